# The gateway of an OrleansTasks cluster (Gateway__Mode=Client joins the silos).
# Nothing is compiled or downloaded here: docker/publish.sh publishes the gateway self-contained
# with the .NET SDK on the host, and this image copies that output onto a base that holds what .NET
# needs (the official runtime-deps image, or orleans-tasks/runtime-base:local from
# docker/build-base-images.sh). By hand, after docker/publish.sh:
#   docker build -t orleans-tasks/gateway docker/publish/gateway  (publish.sh put this file there)
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0
FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY . .
ENV ASPNETCORE_URLS=http://+:8800 ASPNETCORE_ENVIRONMENT=Production
# The operator cookie's key ring (Gateway:DataProtectionKeys): a volume shared by the gateways mounts
# here and takes this directory's owner.
RUN mkdir -p /var/lib/orleans-tasks/keys && chown 1654:1654 /var/lib/orleans-tasks/keys
EXPOSE 8800 9466
USER 1654:1654
ENTRYPOINT ["/app/OrleansTasks.Gateway"]
# Last, so that the layers above are shared by every release built from the same files.
ARG RELEASE=unknown
LABEL org.opencontainers.image.version=${RELEASE}
