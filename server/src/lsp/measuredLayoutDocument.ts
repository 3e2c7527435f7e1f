/**
 * The layout document of a future rustc measured: rustc's own states and fields
 * (`FutureReport.measuredLayout`, from `-Zprint-type-sizes`), so the rows add up to the measured
 * size the hint shows. Every state's rows are its fields, the padding between them, the state tag
 * and the bytes after its last field that only larger states use.
 */
import type { FutureReport, HeldValue } from '../analysis/report';
import type { MeasuredField, MeasuredLayout } from '../analysis/types/calibration';
import { formatBytes } from '../text/format';

interface Row {
  offset: number;
  size: number;
  role: string;
  label: string;
  type: string;
  line: number | null;
}

export function renderMeasuredLayout(future: FutureReport, layout: MeasuredLayout): string[] {
  const size = future.size ?? 0;
  const out = [
    `// The states, fields, offsets and sizes rustc printed (-Zprint-type-sizes) for this exact`,
    `// source. rustc does not print where the state tag is: it is shown at the first offset that`,
    `// is free in every state (one tag serves them all). Each state's rows add up to the size.`,
    '',
    `future ${future.name}  size ${formatBytes(future.size, future.exact)} (measured)  align ${future.align}`,
    `state tag  size ${layout.tagSize}`,
  ];
  const tagOffset = sharedTagOffset(layout, size);
  for (const variant of layout.variants) {
    out.push('', variantHeading(future, variant.name));
    const values = valuesAt(future, variant.name);
    const rows = variantRows(variant.fields, layout.tagSize, size, values, tagOffset);
    out.push(...rows.map(rowLine));
    const sum = rows.reduce((n, r) => n + r.size, 0);
    out.push(`  total ${sum}${sum === size ? '' : ` (rustc's size is ${size})`}`);
  }
  return out;
}

function variantHeading(future: FutureReport, name: string): string {
  const suspend = /^Suspend(\d+)$/.exec(name);
  const point = suspend ? future.awaits[Number(suspend[1])] : undefined;
  if (point) {
    return `variant ${name}  await #${point.index} at line ${point.line}`;
  }
  return name === 'Unresumed' ? `variant ${name}  (the captured inputs only)` : `variant ${name}`;
}

/** The engine's values rustc's fields of this state can be told by: for their source lines. */
function valuesAt(future: FutureReport, variant: string): Map<string, HeldValue> {
  const byName = new Map<string, HeldValue>();
  for (const value of future.upvars) {
    if (value.name !== null) {
      byName.set(`upvar:${value.name}`, value);
    }
  }
  const suspend = /^Suspend(\d+)$/.exec(variant);
  const point = suspend ? future.awaits[Number(suspend[1])] : undefined;
  for (const value of point?.held ?? []) {
    if (value.name !== null && (value.kind === 'binding' || value.kind === 'argument')) {
      byName.set(`local:${value.name}`, value);
    }
  }
  return byName;
}

/**
 * Where the one state tag of the future can be: the lowest offset, aligned to the tag's size, that
 * no field of any state covers. Undefined when there is none inside the size (a layout rustc
 * printed in part): each state then shows the tag in its own first gap.
 */
export function sharedTagOffset(layout: MeasuredLayout, size: number): number | undefined {
  const tag = layout.tagSize;
  if (tag === 0) {
    return undefined;
  }
  const covered = layout.variants.flatMap((v) =>
    v.fields.map((f) => [f.offset, f.offset + f.size]),
  );
  for (let at = 0; at + tag <= size; at += tag) {
    if (covered.every(([from, to]) => to <= at || from >= at + tag || from === to)) {
      return at;
    }
  }
  return undefined;
}

/**
 * A state's fields in offset order, with the gaps between them as padding rows, the tag at
 * `tagOffset` (else in the first gap that holds it), and the end (`unused`) up to the future's size.
 */
export function variantRows(
  fields: MeasuredField[],
  tagSize: number,
  size: number,
  values: Map<string, HeldValue>,
  tagOffset?: number,
): Row[] {
  const rows: Row[] = [];
  let end = 0;
  let tagPlaced = tagSize === 0;
  const gap = (from: number, to: number) => {
    let at = from;
    if (!tagPlaced && tagOffset !== undefined && from <= tagOffset && tagOffset + tagSize <= to) {
      if (tagOffset > from) {
        rows.push({
          offset: from,
          size: tagOffset - from,
          role: 'padding',
          label: '',
          type: '',
          line: null,
        });
      }
      at = tagOffset;
    }
    if (!tagPlaced && (tagOffset === undefined || at === tagOffset) && to - at >= tagSize) {
      rows.push({
        offset: at,
        size: tagSize,
        role: 'tag',
        label: '<state tag>',
        type: '',
        line: null,
      });
      at += tagSize;
      tagPlaced = true;
    }
    if (to > at) {
      rows.push({ offset: at, size: to - at, role: 'padding', label: '', type: '', line: null });
    }
  };
  for (const field of [...fields].sort((a, b) => a.offset - b.offset)) {
    if (field.offset > end) {
      gap(end, field.offset);
    }
    rows.push(fieldRow(field, values));
    end = Math.max(end, field.offset + field.size);
  }
  if (!tagPlaced && tagOffset !== undefined && tagOffset >= end) {
    gap(end, tagOffset + tagSize);
    end = tagOffset + tagSize;
  }
  if (!tagPlaced) {
    rows.push({
      offset: end,
      size: tagSize,
      role: 'tag',
      label: '<state tag>',
      type: '',
      line: null,
    });
    end += tagSize;
  }
  if (size > end) {
    rows.push({ offset: end, size: size - end, role: 'unused', label: '', type: '', line: null });
  }
  return rows;
}

function fieldRow(field: MeasuredField, values: Map<string, HeldValue>): Row {
  const value = values.get(`${field.kind}:${field.name}`);
  const role =
    field.kind === 'upvar'
      ? 'upvar'
      : field.name === '__awaitee'
        ? 'awaitee'
        : field.name === '<temp>'
          ? 'temp'
          : 'local';
  return {
    offset: field.offset,
    size: field.size,
    role,
    label: field.name,
    type: field.type ?? value?.type ?? '',
    line: value?.line ?? null,
  };
}

function rowLine(row: Row): string {
  const line = row.line !== null ? `  line ${row.line}` : '';
  const what =
    row.role === 'padding' || row.role === 'unused'
      ? row.role === 'unused'
        ? 'unused  (only larger states use these bytes)'
        : 'padding'
      : `${row.role.padEnd(7)} ${row.label.padEnd(24)} ${row.type}`.trimEnd();
  return `  offset ${String(row.offset).padStart(5)}  size ${String(row.size).padStart(6)}  ${what}${line}`;
}
