#!/usr/bin/env bash
# Refresh the vendored design system (GOV.UK Frontend + MOJ Frontend) from their
# npm packages at pinned versions: compile frontend/socialdesk-design.scss with
# our settings, copy the ES module bundles, the icons the CSS uses and the
# licences into static/vendor/design/. Needs Node and npm; the app does not.
#   scripts/vendor-frontend.sh
set -euo pipefail
GOVUK_FRONTEND=6.6.0
MOJ_FRONTEND=11.1.0
SASS=1.108.2

here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/static/vendor/design"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact \
  "govuk-frontend@$GOVUK_FRONTEND" "@ministryofjustice/frontend@$MOJ_FRONTEND" "sass@$SASS" >/dev/null
govuk=node_modules/govuk-frontend
moj=node_modules/@ministryofjustice/frontend

rm -rf "$out"
mkdir -p "$out/css" "$out/js" "$out/assets/images"
cp "$here/frontend/socialdesk-design.scss" design.scss
npx sass --load-path=. --style=compressed --no-source-map --quiet-deps \
  --silence-deprecation=import design.scss "$out/css/socialdesk-design.css"

# Not ours to use: the crest, the crown and the GOV.UK logotype. The rules that
# would draw them lose their image (and nothing of ours uses those classes).
sed -i -e 's#url("../assets/images/govuk-crest.svg")#none#g' "$out/css/socialdesk-design.css"

# The bundles name source maps we do not ship; Django's manifest storage would
# look for them.
sed -e 's#//\# sourceMappingURL=.*$##' \
  "$govuk/dist/govuk/govuk-frontend.min.js" >"$out/js/govuk-frontend.min.js"
sed -e 's#//\# sourceMappingURL=.*$##' \
  "$moj/moj/moj-frontend.min.js" >"$out/js/moj-frontend.min.js"

for url in $(grep -o 'url([^)]*)' "$out/css/socialdesk-design.css" | sed -E 's/url\("?\.\.\/assets\/images\/([^")]*)"?\)/\1/' | sort -u); do
  if [ -f "$moj/moj/assets/images/$url" ]; then cp "$moj/moj/assets/images/$url" "$out/assets/images/"
  elif [ -f "$govuk/dist/govuk/assets/images/$url" ]; then cp "$govuk/dist/govuk/assets/images/$url" "$out/assets/images/"
  else echo "the CSS names an image neither package has: $url" >&2; exit 1; fi
done

# Both packages are MIT-licensed (their package.json says so; they ship no
# licence file), copyright the Crown.
for name in govuk-frontend moj-frontend; do
  case $name in
    govuk-frontend) holder="Crown Copyright (Government Digital Service)"; version=$GOVUK_FRONTEND ;;
    moj-frontend) holder="Crown Copyright (Ministry of Justice)"; version=$MOJ_FRONTEND ;;
  esac
  cat >"$out/$name-LICENSE.txt" <<LICENCE
$name $version, from its npm package. The MIT License (MIT)

Copyright (c) $holder

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LICENCE
done
printf 'govuk-frontend %s\n@ministryofjustice/frontend %s\nsass %s\n' \
  "$GOVUK_FRONTEND" "$MOJ_FRONTEND" "$SASS" >"$out/VERSIONS.txt"
echo "static/vendor/design refreshed:"
(cd "$out" && find . -type f | sort | xargs ls -l | awk '{print "  " $5 "\t" $9}')
