# ticketbot's container image: a static binary on an empty base, run as a non-root user.
#   docker build -t ticketbot .        (or: podman build --format docker -t ticketbot .)
# compose.yaml runs it with MariaDB and Redis. `make image` builds the same runtime stage from the
# binary `make build` made, where no base image can be pulled (build/Containerfile.scratch).
FROM golang:1.27 AS build
# The release is built and tested with exactly this toolchain (go fetches it if the image differs).
ENV GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# timetzdata embeds the time zone database, which an empty base lacks.
RUN go build -trimpath -tags timetzdata -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/ticketbot ./cmd/ticketbot \
 && mkdir -p /out/data

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/ticketbot /ticketbot
# /data is the working directory, where the default SQLite file lives (mount a volume there).
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
ENV TICKETBOT_ADDR=:8080
EXPOSE 8080
# `ticketbot healthcheck` GETs /healthz on TICKETBOT_ADDR: the image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/ticketbot", "healthcheck"]
ENTRYPOINT ["/ticketbot"]
CMD ["serve"]
