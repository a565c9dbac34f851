# Builds membio against the system OpenSSL of Debian 12 and runs the same
# steps as `make deps test`; the final stage runs `make demo`.
#
#   docker build -t membio .            # build + full test suite
#   docker run --rm membio              # the demo
#   docker build --target test .        # stop after the tests

FROM golang:1.26-bookworm AS test
WORKDIR /src
ENV CGO_ENABLED=1
# make deps: libssl-dev, pkg-config, python3, openssl, gnutls-bin (as root).
COPY scripts/deps.sh scripts/deps.sh
RUN ./scripts/deps.sh && (command -v make >/dev/null || (apt-get update -qq && apt-get install -y -qq make))
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN make test

FROM test AS demo
CMD ["make", "demo"]
