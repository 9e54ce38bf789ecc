#!/bin/sh
# Refresh the vendored Swagger UI (the service's offline /docs page) from npm's swagger-ui-dist.
# Needs npm (network for `npm pack`); nothing of it is needed to serve the page.
set -eu
version=${1:-5.35.0}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack "swagger-ui-dist@$version"
tar xzf "swagger-ui-dist-$version.tgz"
for file in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE \
    swagger-ui-bundle.js.LICENSE.txt; do
  cp "package/$file" "$here/"
done
sha256sum "$here/swagger-ui-bundle.js" "$here/swagger-ui.css"
