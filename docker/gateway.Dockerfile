# The gateway (embedded by default; set Gateway__Mode=Client to join a cluster).
# Build from the repository root: docker build -f docker/gateway.Dockerfile -t orleans-tasks-gateway .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Gateway/Gateway.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8800
EXPOSE 8800
USER $APP_UID
ENTRYPOINT ["dotnet", "OrleansTasks.Gateway.dll"]
