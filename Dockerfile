# The default HttpArena entry (spec/arena.toml, profile all), built the way the entry folder
# of `make arena-entry` builds it: `ringspec arena` writes the folder, its build.sh compiles
# the server. Same packages, same runtime stage, same CMD (port 8080, data mounted at /data)
# as frameworks/ringspec/Dockerfile (codegen/templates/arena/Dockerfile.j2): keep them in step.
#
# The server uses io_uring, which Docker's default seccomp profile blocks (the server exits
# with "io_uring setup failed: Function not implemented" and says so). Run it with
#   docker run --security-opt seccomp=unconfined -p 8080:8080 -v /path/to/data:/data IMAGE
FROM debian:12-slim AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        gcc make libc6-dev ragel liburing-dev python3 python3-jinja2 \
        libjansson-dev libbrotli-dev libdeflate-dev libssl-dev libnghttp2-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN ./ringspec arena spec/arena.toml -o /entry && /entry/build.sh binary

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        liburing2 libjansson4 libbrotli1 libdeflate0 libssl3 libnghttp2-14 libpq5 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /entry/server /usr/local/bin/ringspec-server
EXPOSE 8080
# Workers: one per CPU of the affinity mask (the arena pins the container to a cpuset).
CMD ["/usr/local/bin/ringspec-server", "--data-root", "/data"]
