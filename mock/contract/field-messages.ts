// Field error messages: ajv's errors turned into the real API's ModelState shape (`Transaction.Amount` → messages),
// worded as ASP.NET words them, capped as ASP.NET caps them.

import type { ErrorObject } from 'ajv/dist/2020.js';

/** Field path → messages, keyed the way the real API names fields (`Transaction.Amount`). */
export type FieldErrors = Record<string, string[]>;

/** Messages the real sandbox was observed to send, by field; everything else follows ASP.NET's wording. */
const OBSERVED_REQUIRED_MESSAGES: Record<string, string> = {
  OrderId: "Merchant's orderId is required",
};

/**
 * ASP.NET stops collecting model errors at 200 (MvcOptions.MaxModelValidationErrors). Without a cap, a 1 MiB array of
 * wrong items would draw an error body ten times its size; the rest is summarized under `$`.
 */
export const MAX_FIELD_ERRORS = 200;

/** Turn ajv errors into the real API's ModelState shape: PascalCase dotted paths → messages. */
export function fieldErrors(errors: ErrorObject[], pascal = true): FieldErrors {
  const out: FieldErrors = {};
  let fields = 0;
  let truncated = false;
  const add = (field: string, message: string) => {
    // Own keys only: a field named `constructor` must not read Object.prototype.
    const list = Object.hasOwn(out, field) ? (out[field] as string[]) : [];
    if (list.length === 0) {
      if (fields >= MAX_FIELD_ERRORS) {
        truncated = true;
        return;
      }
      fields += 1;
    }
    if (!list.includes(message)) list.push(message);
    out[field] = list;
  };
  for (const error of errors) {
    // oneOf/anyOf wrappers repeat what their branches said.
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    const segments = error.instancePath.split('/').filter(Boolean).map(unescapePointer);
    if (error.keyword === 'required') {
      const field = fieldName([...segments, String(error.params.missingProperty)], pascal);
      const observed = Object.hasOwn(OBSERVED_REQUIRED_MESSAGES, field)
        ? OBSERVED_REQUIRED_MESSAGES[field]
        : null;
      add(field, observed ?? `The ${lastName(field)} field is required.`);
      continue;
    }
    const field = segments.length === 0 ? '$' : fieldName(segments, pascal);
    add(field, describe(error, lastName(field)));
  }
  if (truncated) {
    const summary = `The maximum number of allowed model errors (${MAX_FIELD_ERRORS}) has been reached; fix these and resend to see the rest.`;
    out.$ = [...(Object.hasOwn(out, '$') ? (out.$ as string[]) : []), summary];
  }
  return out;
}

function describe(error: ErrorObject, name: string): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const types = ([] as unknown[]).concat(p.type).map(String);
      const wanted = types.filter((t) => t !== 'null').join(' or ');
      const hint = types.includes('integer')
        ? ' (a whole number, no quotes)'
        : types.includes('number')
          ? ' (no quotes)'
          : '';
      return `The ${name} field must be ${article(wanted)} ${wanted}${hint}.`;
    }
    case 'enum':
      return `The ${name} field must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}.`;
    case 'format':
      // A GUID field fails ASP.NET's model binding, not validation: say what the binder wanted.
      if (p.format === 'uuid')
        return `The value of ${name} could not be converted to a GUID: send the id as returned by the API, e.g. e97b1ff1-4449-46da-bc6c-a76d23f16353.`;
      return `The field ${name} is invalid: expected ${article(String(p.format))} ${String(p.format)} value.`;
    case 'pattern':
      return `The field ${name} is invalid: it must match ${String(p.pattern)}.`;
    case 'minLength':
      return p.limit === 1
        ? `The ${name} field must not be empty.`
        : `The ${name} field must be at least ${String(p.limit)} characters long.`;
    case 'maxLength':
      return `The ${name} field must be at most ${String(p.limit)} characters long.`;
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
      return `The ${name} field must be ${String(p.comparison)} ${String(p.limit)}.`;
    case 'minItems':
    case 'maxItems':
      return `The ${name} field must have ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} items.`;
    case 'additionalProperties':
      return `The field ${String(p.additionalProperty)} is not allowed in ${name}.`;
    case 'const':
      return `The ${name} field must be ${JSON.stringify(p.allowedValue)}.`;
    default:
      return `The field ${name} is invalid: ${error.message ?? error.keyword}.`;
  }
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `['transaction','amount']` → `Transaction.Amount`; `['orderItems','0','sku']` → `OrderItems[0].Sku`. */
export function fieldName(segments: string[], pascal: boolean): string {
  let out = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else out += (out ? '.' : '') + (pascal ? segment.charAt(0).toUpperCase() + segment.slice(1) : segment);
  }
  return out;
}

export function lastName(field: string): string {
  const last = field.split('.').pop() ?? field;
  return last.replace(/\[\d+\]$/, '');
}

/** The property an error is about when ajv names it in params rather than in the instance path. */
function namedProperty(error: ErrorObject): string | undefined {
  const params = error.params as { additionalProperty?: unknown; missingProperty?: unknown };
  if (error.keyword === 'additionalProperties') return String(params.additionalProperty);
  if (error.keyword === 'required') return String(params.missingProperty);
  return undefined;
}

/**
 * The field a schema error of a body is about, as a JSON path (`$.transaction.sandboxOnly`, `$.rows[0].id`),
 * including the property that an additionalProperties or required error names only in its params.
 */
export function errorPath(error: ErrorObject): string {
  const segments = error.instancePath.split('/').filter(Boolean).map(unescapePointer);
  const named = namedProperty(error);
  if (named !== undefined) segments.push(named);
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : `${path}.${s}`), '$');
}

/**
 * A schema error of a body as one line that names what is wrong: ajv's message alone ("must NOT have additional
 * properties") does not say which property, nor which values an enum allows.
 */
export function describeSchemaError(error: ErrorObject): string {
  const said = `${error.instancePath || '(body)'} ${error.message ?? error.keyword}`;
  const params = error.params as { additionalProperty?: unknown; allowedValues?: unknown };
  if (error.keyword === 'additionalProperties') return `${said}: ${String(params.additionalProperty)}`;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    const values = params.allowedValues.slice(0, 12).map((v) => JSON.stringify(v));
    return `${said}: ${values.join(', ')}${params.allowedValues.length > 12 ? ', …' : ''}`;
  }
  return said;
}
