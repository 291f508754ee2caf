"""The whole service on one machine: `python -m devstack`.

The Chalice app runs unchanged; what AWS would provide around it (DynamoDB and its
streams, EventBridge, SQS, API Gateway's HTTP and WebSocket APIs, the Lambda
event-source plumbing) is emulated on loopback.
"""
