// Usage: node check.mjs FILE.ps1
// Parses FILE with tree-sitter's PowerShell grammar and prints each syntax
// error (an ERROR or a missing node) with its line; exits 1 if there is any.
// It checks syntax only: no PowerShell runs the script here.
import Parser from 'tree-sitter';
import PowerShell from 'tree-sitter-powershell';
import fs from 'node:fs';

const parser = new Parser();
parser.setLanguage(PowerShell);
const src = fs.readFileSync(process.argv[2], 'utf8');
const bad = [];
(function walk(n) {
  if (n.type === 'ERROR' || n.isMissing) bad.push(n);
  for (const c of n.children) walk(c);
})(parser.parse(src).rootNode);
for (const n of bad) {
  const what = n.isMissing ? `missing ${n.type}` : 'syntax error';
  console.log(`${what} at line ${n.startPosition.row + 1}, column ${n.startPosition.column + 1}: ${src.slice(n.startIndex, Math.min(n.endIndex, n.startIndex + 60))}`);
}
process.exit(bad.length ? 1 : 0);
