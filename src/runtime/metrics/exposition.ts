/**
 * The Prometheus text exposition format (version 0.0.4), which every
 * Prometheus-compatible scraper reads.
 */
import type { FamilySnapshot } from './registry.js';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const pairs = names.map((name, i) => `${name}="${escapeValue(values[i] ?? '')}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeValue(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** The text a scraper reads: each family's HELP and TYPE, then its series; histograms with cumulative buckets. */
export function render(families: readonly FamilySnapshot[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const series of family.series) {
      if (family.type !== 'histogram') {
        lines.push(`${family.name}${labelText(family.labelNames, series.labels)} ${formatNumber(series.value ?? 0)}`);
        continue;
      }
      const bounds = family.buckets ?? [];
      const counts = series.counts ?? [];
      let cumulative = 0;
      bounds.forEach((bound, i) => {
        cumulative += counts[i] ?? 0;
        lines.push(`${family.name}_bucket${labelText(family.labelNames, series.labels, ['le', formatNumber(bound)])} ${cumulative}`);
      });
      cumulative += counts[bounds.length] ?? 0;
      lines.push(`${family.name}_bucket${labelText(family.labelNames, series.labels, ['le', '+Inf'])} ${cumulative}`);
      lines.push(`${family.name}_sum${labelText(family.labelNames, series.labels)} ${formatNumber(series.sum ?? 0)}`);
      lines.push(`${family.name}_count${labelText(family.labelNames, series.labels)} ${cumulative}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
