"""Tests of the local stack (devstack/)."""
