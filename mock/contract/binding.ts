// ASP.NET-style model binding of a JSON body against its schema: keys matched case-insensitively and renamed to the
// declared spelling, required fields sent as null or blank treated as missing, numeric strings read into number
// fields. The key map is built once per operation at start-up; binding a body walks only that body.

export type Schema = Record<string, unknown>;
/** Resolve a local `$ref` to the schema it points at. */
export type Deref = (node: Schema | undefined) => Schema | undefined;

/** Key map tree: lower-cased key → declared key, and the map for each declared key's value. */
export interface KeyMap {
  names: Map<string, string>;
  /** The declared spellings (the values of `names`): a key sent as declared skips the lower-casing. */
  declared: Set<string>;
  children: Map<string, KeyMap>;
  items: KeyMap | null;
  /** Declared names the schema requires: null or a blank string there counts as missing ([Required]). */
  required: Set<string>;
  /** Declared names typed number/integer only: a numeric string there is read as a number. */
  numeric: Set<string>;
}

/**
 * The key map of a schema (properties, allOf/oneOf/anyOf members and array items merged), nested up to 12 levels.
 */
export function buildKeyMap(node: Schema, deref: Deref, depth = 0): KeyMap {
  const map: KeyMap = {
    names: new Map(),
    declared: new Set(),
    children: new Map(),
    items: null,
    required: new Set(),
    numeric: new Set(),
  };
  if (depth > 12) return map;
  const schema = deref(node) ?? {};
  for (const name of (schema.required as string[] | undefined) ?? []) map.required.add(name);
  for (const [name, propSchema] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    map.names.set(name.toLowerCase(), name);
    if (numericOnly(deref(propSchema))) map.numeric.add(name);
    const child = buildKeyMap(propSchema, deref, depth + 1);
    if (child.names.size > 0 || child.items) map.children.set(name, child);
  }
  for (const sub of ['allOf', 'oneOf', 'anyOf'].flatMap((k) => (schema[k] as Schema[] | undefined) ?? [])) {
    const nested = buildKeyMap(sub, deref, depth + 1);
    for (const [k, v] of nested.names) map.names.set(k, v);
    for (const [k, v] of nested.children) map.children.set(k, v);
    for (const n of nested.numeric) map.numeric.add(n);
    map.items ??= nested.items;
  }
  if (schema.items) {
    const items = buildKeyMap(schema.items as Schema, deref, depth + 1);
    if (items.names.size > 0) map.items = items;
  }
  for (const name of map.names.values()) map.declared.add(name);
  return map;
}

/** State of one body's binding: whether numeric strings bind, where we are, and which paths were coerced. */
export interface Binding {
  numericStrings: boolean;
  trail: string[];
  coerced: string[];
}

/** A JSON number as System.Text.Json reads it from a string (AllowReadingFromString, ASP.NET's web default). */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Typed number/integer (possibly nullable) and nothing else: a string there would be a type error. */
function numericOnly(schema: Schema | undefined): boolean {
  const types = ([] as unknown[]).concat(schema?.type ?? []);
  return (
    types.some((t) => t === 'number' || t === 'integer') &&
    types.every((t) => t !== 'string' && t !== 'object')
  );
}

/** [Required] semantics: absent, null, or (for strings) empty or whitespace only. */
function missing(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * Copy `value` as ASP.NET's model binding sees it: object keys renamed to the declared spelling (case-insensitive;
 * `__proto__` keys dropped), required fields sent as null or blank dropped (so they are reported as missing, e.g.
 * "Merchant's orderId is required" for `"orderId": null`), and numeric strings in number fields read as numbers.
 */
export function canonicalize(value: unknown, map: KeyMap, binding: Binding): unknown {
  if (Array.isArray(value)) {
    if (!map.items) return value;
    const items = map.items;
    let changed = false;
    const out = value.map((v, i) => {
      binding.trail.push(`[${i}]`);
      const c = canonicalize(v, items, binding);
      binding.trail.pop();
      if (c !== v) changed = true;
      return c;
    });
    return changed ? out : value;
  }
  if (value === null || typeof value !== 'object') return value;
  // Most clients already send the declared spelling: then the object is returned as it is, without a copy.
  let out: Record<string, unknown> | null = null;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const v = object[key];
    const name = key === '__proto__' ? null : declaredName(map, key);
    let bound: unknown = v;
    if (name !== null) {
      binding.trail.push(name);
      const child = map.children.get(name);
      if (child) bound = canonicalize(v, child, binding);
      else if (
        binding.numericStrings &&
        typeof v === 'string' &&
        map.numeric.has(name) &&
        JSON_NUMBER.test(v) &&
        Number.isFinite(Number(v))
      ) {
        bound = Number(v);
        binding.coerced.push(binding.trail.join('.').replaceAll('.[', '['));
      }
      binding.trail.pop();
    }
    const drop = name !== null && map.required.has(name) && missing(bound);
    if (out === null && (name !== key || bound !== v || drop)) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j] as string] = object[keys[j] as string];
    }
    if (out !== null && name !== null && !drop) out[name] = bound;
  }
  return out ?? value;
}

/** The declared spelling of a key sent in any case, or the key itself when the schema does not declare it. */
function declaredName(map: KeyMap, key: string): string {
  return map.declared.has(key) ? key : (map.names.get(key.toLowerCase()) ?? key);
}

/** Dotted paths of keys the schema does not declare. */
export function undeclared(value: unknown, map: KeyMap, prefix: string): string[] {
  if (Array.isArray(value))
    return map.items ? value.flatMap((v, i) => undeclared(v, map.items as KeyMap, `${prefix}[${i}]`)) : [];
  if (value === null || typeof value !== 'object' || map.names.size === 0) return [];
  const out: string[] = [];
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    // The path is built only for an undeclared key or a declared one with declared keys below it.
    const known = map.declared.has(key) || map.names.has(key.toLowerCase());
    const child = known ? map.children.get(key) : undefined;
    if (!known) out.push(prefix ? `${prefix}.${key}` : key);
    else if (child) out.push(...undeclared(object[key], child, prefix ? `${prefix}.${key}` : key));
  }
  return out;
}
