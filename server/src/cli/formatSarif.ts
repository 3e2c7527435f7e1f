/**
 * `--format sarif`: the findings as a SARIF 2.1.0 log, the format code-scanning services read
 * (https://docs.oasis-open.org/sarif/sarif/v2.1.0/). One run; its rules are the lint registry, so
 * a result's `ruleIndex` points into it.
 */
import type * as Sarif from 'sarif';
import type { Finding, Lint, ReportedLevel } from '../lints/finding';
import { LINTS } from '../lints/registry';
import type { Span } from '../text/sourceText';
import type { FileFindings } from './lintFiles';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const CLIPPY_DOCS = 'https://rust-lang.github.io/rust-clippy/master/index.html';
/** Report paths are relative to the working directory, which this base stands for. */
const SOURCE_ROOT = 'SRCROOT';

const LEVEL: Record<ReportedLevel, Sarif.Result.level> = { warn: 'warning', deny: 'error' };

export interface SarifRun {
  version: string;
  /** The working directory the report's paths are relative to, as a `file:` URI ending in `/`. */
  rootUri: string;
}

/** The SARIF log of a run's findings, as indented JSON ending with a newline. */
export function formatSarif(findings: readonly FileFindings[], run: SarifRun): string {
  const log: Sarif.Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rust-future-size',
            version: run.version,
            rules: LINTS.map(ruleOf),
          },
        },
        originalUriBaseIds: { [SOURCE_ROOT]: { uri: run.rootUri } },
        // The spans' columns are UTF-16 code units, as the analysis and LSP count them.
        columnKind: 'utf16CodeUnits',
        results: findings.flatMap((file) =>
          file.findings.map((finding) => resultOf(finding, file.file)),
        ),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function ruleOf(lint: Lint): Sarif.ReportingDescriptor {
  const rule: Sarif.ReportingDescriptor = {
    id: lint.code,
    shortDescription: { text: lint.description },
    defaultConfiguration: { level: LEVEL[lint.defaultLevel] },
  };
  if (lint.clippy.length > 0) {
    const names = lint.clippy.map((clippy) => `clippy::${clippy.name}`);
    rule.fullDescription = {
      text: `${lint.description} Mirrors ${names.join(' and ')}, whose #[allow] silences it.`,
    };
    rule.helpUri = `${CLIPPY_DOCS}#${lint.clippy[0].name}`;
    rule.properties = {
      tags: [...new Set(lint.clippy.map((clippy) => clippy.group))],
      clippy: names,
    };
  }
  return rule;
}

function resultOf(finding: Finding, file: string): Sarif.Result {
  const result: Sarif.Result = {
    ruleId: finding.code,
    ruleIndex: LINTS.findIndex((lint) => lint.code === finding.code),
    level: LEVEL[finding.level],
    message: { text: finding.message },
    locations: [{ physicalLocation: physicalLocation(file, finding.span) }],
    partialFingerprints: { findingId: finding.id },
  };
  if (finding.related.length > 0) {
    result.relatedLocations = finding.related.map((related, i) => ({
      id: i + 1,
      physicalLocation: physicalLocation(file, related.span),
      message: { text: related.message },
    }));
  }
  return result;
}

function physicalLocation(file: string, span: Span): Sarif.PhysicalLocation {
  return {
    artifactLocation: {
      uri: file.split('/').map(encodeURIComponent).join('/'),
      uriBaseId: SOURCE_ROOT,
    },
    region: {
      startLine: span.start.line + 1,
      startColumn: span.start.character + 1,
      endLine: span.end.line + 1,
      endColumn: span.end.character + 1,
    },
  };
}
