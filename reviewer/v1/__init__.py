"""Generated gRPC and protobuf code for reviewer.v1 (regenerate with tools/genproto.py)."""
