# A silo of an OrleansTasks cluster.
# Build from the repository root: docker build -f docker/silo.Dockerfile -t orleans-tasks-silo .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Silo/Silo.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
EXPOSE 11111 30000
USER $APP_UID
ENTRYPOINT ["dotnet", "OrleansTasks.Silo.dll"]
