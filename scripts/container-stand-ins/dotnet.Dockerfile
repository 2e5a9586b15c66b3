# A local stand-in for mcr.microsoft.com/dotnet/sdk:10.0 (TARGET=sdk) or /aspnet:10.0 (TARGET=aspnet), built FROM the
# Debian stand-in with the .NET this machine has (copied into the context as dotnet/), set up as the official images are.
FROM docker.io/library/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libicu72 libssl3 zlib1g tzdata && rm -rf /var/lib/apt/lists/*
# The machine's own certificate authorities (an egress proxy's), so that a build's restore reaches the registries as the host does.
COPY ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
COPY dotnet/ /usr/share/dotnet/
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 NUGET_CERT_REVOCATION_MODE=offline ASPNETCORE_HTTP_PORTS=8080
