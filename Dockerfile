# Multi-stage build: a static binary on a distroless base, run as non-root,
# with the data dir (embedded JetStream files) on a volume.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/mlango ./cmd/mlango && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mlango /mlango
# The volume starts as this empty dir, owned by the non-root user.
COPY --from=build --chown=65532:65532 /out/data /data
# Inside a container the embedded NATS must listen beyond loopback for
# consumers in other containers; publish 4222 only where that is wanted.
ENV MLANGO_DATA_DIR=/data \
    MLANGO_HTTP_ADDR=:8080 \
    MLANGO_NATS_LISTEN=0.0.0.0:4222
VOLUME ["/data"]
EXPOSE 8080 4222
USER nonroot:nonroot
ENTRYPOINT ["/mlango"]
