/**
 * Renders the knowledge base (software.ts) as docs/software.md. The file is generated, never
 * edited by hand: `npm run docs:software` writes it, test/software-doc.test.ts compares.
 */
import { GENERIC_FIX, PROBLEM_KINDS, PROBLEMS, SHARED_FIX, SOFTWARE, type Page, type Software } from './software.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const pattern = (re: RegExp) => `\`${re.source.replace(/\\b/g, '').replace(/\^/g, '')}\``;

function recognisedBy(sw: Software): string {
  const parts = sw.headers.map(([name, re]) => (re.source === '.' ? `\`${name}\` present` : `\`${name}\` ~ ${pattern(re)}`));
  if (sw.via) parts.push(`Via ~ ${pattern(sw.via)}`);
  if (sw.pages.some((p) => p.body)) parts.push('its error pages');
  return parts.join(', ');
}

function pageRow(sw: Software, p: Page): string {
  const when = [p.status ? p.status.join('/') : 'any status', p.body && p.body.source !== '^$' ? `body ~ ${pattern(p.body)}` : '', p.header ? `\`${p.header[0]}\` ~ ${pattern(p.header[1])}` : '']
    .filter(Boolean).join(', ');
  const fix = p.fix in PROBLEMS ? `the ${p.fix} fix` : p.fix in SHARED_FIX ? SHARED_FIX[p.fix]!({}) : p.fix;
  return `| ${sw.name} | ${cell(when)} | ${cell(p.means)} | \`${p.code ?? 'http-error'}\` | ${cell(fix)} |`;
}

export function renderSoftwareDoc(): string {
  const problems = PROBLEM_KINDS;
  const lines = [
    '# Software wstrace recognises, and the fix it prints for each',
    '',
    '<!-- generated from src/diagnose/software.ts by `npm run docs:software`; do not edit by hand -->',
    '',
    'When an upgrade fails, wstrace reads the answer for the software that wrote or relayed it',
    '(headers, `Via` entries, its own error pages) and prints that software\'s setting in `next`.',
    'Problems: ' + problems.map((p) => `**${p}**: a hop that ${PROBLEMS[p]}`).join('; ') + '.',
    '',
    '| software | recognised by | ' + problems.join(' | ') + ' | docs |',
    '|---|---|' + problems.map(() => '---|').join('') + '---|',
    ...SOFTWARE.map((sw) => `| ${sw.name} | ${cell(recognisedBy(sw))} | ${problems.map((p) => cell(sw.fix[p])).join(' | ')} | ${sw.docs} |`),
    `| *not recognised* | no Server, Via or signature header | ${problems.map((p) => cell(GENERIC_FIX[p])).join(' | ')} | |`,
    '',
    '## Error pages read',
    '',
    'A recognised error page (or error header) is the hop saying what happened; the verdict names',
    'it, and the fix is the one the page points at.',
    '',
    '| software | when | means | verdict | next |',
    '|---|---|---|---|---|',
    ...SOFTWARE.flatMap((sw) => sw.pages.map((p) => pageRow(sw, p))),
    '',
  ];
  return lines.join('\n');
}
