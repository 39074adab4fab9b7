# The mock as a container service, built from the packed package: npm pack, then
#   docker build -t flexfactor-mock .
#   docker run --rm -p 4848:4848 flexfactor-mock
# This repository's CI does not build this image (its machines run no container engine); test/pack.test.ts runs the
# same steps outside a container: the global install of the tarball, the serve command and the health check.
FROM node:20-slim

COPY flexfactor-mock-*.tgz /tmp/flexfactor-mock.tgz
RUN npm install --global --no-audit --no-fund /tmp/flexfactor-mock.tgz && rm /tmp/flexfactor-mock.tgz

# Published port; serve and wait both read PORT, so `docker run -e PORT=…` moves them together.
ENV PORT=4848
EXPOSE 4848
USER node

HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["flexfactor-mock", "wait", "--timeout", "4s"]

# Inside a container the server must bind every interface to be reachable through the published port; it warns that
# /v1 with the published default credentials is then reachable from the network (see docs/install.md).
CMD ["flexfactor-mock", "serve", "--host", "0.0.0.0"]
