// Prints the README's configuration table from the config schemas (the single source of truth):
//   node --conditions=ucs-source scripts/config-doc.ts
import { describeConfig, serviceConfigs } from '@ucserver/shared';

const rows = new Map<string, { services: string[]; default: string; description: string }>();
for (const [service, schema] of Object.entries(serviceConfigs)) {
  for (const doc of describeConfig(schema)) {
    const row = rows.get(doc.variable);
    if (row) {
      row.services.push(service);
      // HTTP_PORT differs per service: show each default
      if (row.default !== doc.default) row.default = `${row.default} / ${doc.default}`;
    } else {
      rows.set(doc.variable, { services: [service], default: doc.default, description: doc.description });
    }
  }
}
console.log('| variable | services | default | meaning |');
console.log('|---|---|---|---|');
for (const [variable, r] of rows) {
  const services = r.services.length === 3 ? 'all' : r.services.join(', ');
  const def = r.default === '' ? '—' : `\`${r.default.replace(/\|/g, '\\|')}\``;
  console.log(`| \`${variable}\` | ${services} | ${def} | ${r.description.replace(/\|/g, '\\|')} |`);
}
