// After `changeset version`: date the release headings it wrote to common/CHANGELOG.md
// ("## 0.2.0" → "## 0.2.0 — 2026-12-01"), so every section says when it was released.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const file = join(__dirname, '..', 'common', 'CHANGELOG.md');
const today = new Date().toISOString().slice(0, 10);
const text = readFileSync(file, 'utf8');
const dated = text.replace(/^## (\d+\.\d+\.\d+)[ \t]*$/gm, `## $1 — ${today}`);
if (dated !== text) writeFileSync(file, dated);
