/**
 * A measured future's layout in the form calibration stores it (`MeasuredLayout`): rustc's states
 * with every field it printed in each, upvars included, at the offsets `printTypeSizes` recovered.
 */
import type { MeasuredField, MeasuredLayout } from '../analysis/types/calibration';
import type { RustcField, RustcFuture } from './printTypeSizes';

export function measuredLayoutOf(future: RustcFuture): MeasuredLayout {
  const upvars = future.upvars.map((f) => storedField(f, 'upvar'));
  return {
    tagSize: future.tagSize,
    variants: future.variants.map((variant) => ({
      name: variant.name,
      size: variant.size ?? 0,
      fields: [...upvars, ...variant.locals.map((f) => storedField(f, 'local'))].sort(
        (a, b) => a.offset - b.offset,
      ),
    })),
  };
}

function storedField(field: RustcField, kind: MeasuredField['kind']): MeasuredField {
  const stored: MeasuredField = { kind, name: field.name, size: field.size, offset: field.offset };
  if (field.type !== undefined) {
    stored.type = field.type;
  }
  return stored;
}
