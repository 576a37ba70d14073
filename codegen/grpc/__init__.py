"""gRPC from the spec: protobuf messages and services ([grpc], [enum.NAME], [message.NAME],
[service.NAME]) checked into a model (spec.py), compiled to C codecs (codec_emit.py) and a
method table (service_emit.py), and written back as a .proto file (proto_emit.py)."""
