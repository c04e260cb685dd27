# Auditor server image. Build context: the repository root.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig Auditor.sln ./
COPY src/ src/

RUN dotnet publish src/Auditor.Server/Auditor.Server.csproj -c Release -o /app --no-self-contained \
 && dotnet publish src/Auditor.Cli/Auditor.Cli.csproj -c Release -o /app/cli --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
COPY rules/ rules/

# The embedded default keeps its SQLite file here; mount a volume to keep it.
RUN mkdir -p /app/data && chown -R app:app /app/data
USER app
ENV ASPNETCORE_URLS=http://0.0.0.0:5080
# Caps the GC's gen1 budget at 16 MB: consumer batches held across gen0 collections otherwise pile up in gen1 (135 MB
# seen) before one gen1 collection, the server's resident peak (docs/scale.md, "Per-core round 4"). Environment only:
# the runtime reads this setting from no runtimeconfig property.
ENV DOTNET_GCGen1MaxBudget=0x1000000
EXPOSE 5080
ENTRYPOINT ["dotnet", "Auditor.Server.dll"]
