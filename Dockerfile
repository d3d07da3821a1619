# syntax=docker/dockerfile:1
# The operator, the datasync worker and the CLI share this one image.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# The KubeVirt typings and the SnapshotMetadata proto are generated from the upstream specs (downloaded from their releases here).
RUN npm run generate:types && npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
# The SnapshotMetadata gRPC API (schema.proto), generated beside the sources and loaded at run time.
COPY --from=build /src/src/datasync/snapshot-metadata/generated ./dist/datasync/snapshot-metadata/generated
# Non-root; the Deployment also sets readOnlyRootFilesystem: nothing here writes to the image.
USER 65532:65532
ENTRYPOINT ["node", "/app/dist/main.js"]
CMD ["run"]
