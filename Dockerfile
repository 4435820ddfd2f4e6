# The image deploy/kubernetes/ runs: the bundled CLI (dist/, `npm run build`) on Node's slim image,
# as a non-root user. Not built in CI (no registry is reachable there); build it where you push:
#   npm ci && npm run build && docker build -t REGISTRY/meshlens:0.1.0 .
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json LICENSE ./
COPY dist/ ./dist/
COPY bin/ ./bin/
# No cache or home to write: the root filesystem is read-only in deploy/kubernetes/.
ENV NODE_ENV=production HOME=/tmp
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/meshlens.js"]
