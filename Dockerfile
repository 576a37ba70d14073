# Builds the default spec (spec/arena.toml) and runs it the way HttpArena
# starts an entry: port 8080, data mounted at /data.
FROM debian:12-slim AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        gcc make libc6-dev pkg-config ragel liburing-dev python3 python3-jinja2 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make build

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends liburing2 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/arena/server /usr/local/bin/ringspec-server
EXPOSE 8080
CMD ["/usr/local/bin/ringspec-server", "--data-root", "/data"]
