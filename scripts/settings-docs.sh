#!/usr/bin/env bash
# Rewrites the README's settings tables from the components' ConfigDefs (ConfigDocsTest checks them).
# Run after changing any setting's name, default or documentation: ./scripts/settings-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -ntp -DskipTests -pl cli -am package
java -cp "cli/target/headroom-cli.jar:cli/target/lib/*" dev.headroom.cli.ConfigDocs > target-settings.md
python3 - <<'PY'
import re
readme = open("README.md").read()
tables = open("target-settings.md").read()
for m in re.finditer(r"### (\w+)\n\n(\|.*?\n)(?=\n|\Z)", tables, re.S):
    name, table = m.group(1), m.group(2)
    readme = re.sub(r"(### " + name + r"\n\n)\|.*?\n(?=\n|\Z)", lambda x: x.group(1) + table, readme, count=1, flags=re.S)
open("README.md", "w").write(readme)
PY
rm -f target-settings.md
