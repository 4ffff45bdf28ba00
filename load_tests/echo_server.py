"""A trivial grpc.aio server with the same Review method: the yardstick for capacity.

It answers every request with a fixed response of the same shape, doing no work, on
the same event loop as the review server, so the load report can state the service's throughput as a ratio to the best this machine,
Python and grpcio can do on the same loopback with the same client.
"""
from __future__ import annotations

import argparse
import asyncio

import grpc

from reviewer.event_loop import new_event_loop
from reviewer.v1 import review_pb2 as pb
from reviewer.v1 import review_pb2_grpc

CANNED = pb.ReviewResponse(review_id="0" * 28, verdict=pb.PASS, knowledge_base_version="echo",
                           state=pb.FINAL_BY_SYSTEM)


class Echo(review_pb2_grpc.ReviewServiceServicer):
    async def Review(self, request: pb.ReviewRequest,
                     context: grpc.aio.ServicerContext) -> pb.ReviewResponse:
        return CANNED


async def serve(listen: str) -> None:
    server = grpc.aio.server()
    review_pb2_grpc.add_ReviewServiceServicer_to_server(Echo(), server)
    server.add_insecure_port(listen)
    await server.start()
    print(f"echo serving on {listen}", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="127.0.0.1:50071")
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(serve(parser.parse_args().listen))
