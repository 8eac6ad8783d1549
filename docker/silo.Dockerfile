# A silo of an OrleansTasks cluster (also runs the schema migration: command "migrate").
# Nothing is compiled or downloaded here: docker/publish.sh publishes the silo self-contained with
# the .NET SDK on the host, and this image copies that output onto a base that holds what .NET
# needs (the official runtime-deps image, or orleans-tasks/runtime-base:local from
# docker/build-base-images.sh). By hand, after docker/publish.sh:
#   docker build -t orleans-tasks/silo docker/publish/silo        (publish.sh put this file there)
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0
FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY . .
# The collector's young generation at 64 MiB at least (README, Operations): sized from the processor's cache
# otherwise, and a machine that reports none (many VMs) gets about 2 MiB, where each slice's documents
# outlive a dozen collections and pile up in the old generation.
ENV DOTNET_GCgen0size=0x4000000
EXPOSE 11111 30000 9464
USER 1654:1654
ENTRYPOINT ["/app/OrleansTasks.Silo"]
# Last, so that the layers above are shared by every release built from the same files.
ARG RELEASE=unknown
LABEL org.opencontainers.image.version=${RELEASE}
