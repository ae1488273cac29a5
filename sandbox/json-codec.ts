// JSON for in-memory state: Maps, Sets, undefined, non-finite numbers and objects reachable twice survive the trip.
//
// Plain JSON would turn a Map into {}, drop undefined, write Infinity as null and split an object that two places hold
// into two copies. Tagged objects ({"$": "Map", ...}) carry what JSON cannot; a plain object that has a "$" key of its
// own is wrapped, so data can never pass for a tag. Functions in object fields are skipped (closures are code, not
// data); anywhere else they, symbols and bigints are errors, as is a cycle.

type Tagged =
	| { $: "Map"; v: Array<[unknown, unknown]> }
	| { $: "Set"; v: unknown[] }
	| { $: "undefined" }
	| { $: "number"; v: "Infinity" | "-Infinity" | "NaN" }
	| { $: "object"; v: Record<string, unknown> }
	| { $: "shared"; id: number; v: unknown }
	| { $: "ref"; id: number };

/**
 * The fields of an object to write, given its path for error messages. The default writes every own enumerable field
 * of a plain object and refuses class instances, whose prototype would not come back.
 */
export type FieldsOf = (value: object, path: string) => string[];

function isPlain(value: object): boolean {
	const proto: unknown = Object.getPrototypeOf(value);
	return proto === Object.prototype || proto === null;
}

const plainFieldsOnly: FieldsOf = (value, path) => {
	if (!isPlain(value)) throw new TypeError(`${path}: a ${value.constructor.name} cannot be written as JSON`);
	return Object.keys(value);
};

interface Child {
	/** The field name for objects; unused for arrays, Maps and Sets. */
	key: string;
	path: string;
	value: unknown;
}

/** The children of a container, in the order both passes and decoding see them (a Map's as key, value, key, …). */
function children(value: object, path: string, fieldsOf: FieldsOf): Child[] {
	if (Array.isArray(value)) return value.map((item, index) => ({ key: "", path: `${path}[${index}]`, value: item }));
	if (value instanceof Map) {
		return [...value].flatMap(([key, item]) => [
			{ key: "", path: `${path}.keys()`, value: key },
			{ key: "", path: `${path}.get(${String(key)})`, value: item },
		]);
	}
	if (value instanceof Set) return [...value].map((item) => ({ key: "", path: `${path}.values()`, value: item }));
	const out: Child[] = [];
	for (const key of fieldsOf(value, path)) {
		const field = (value as Record<string, unknown>)[key];
		if (typeof field !== "function") out.push({ key, path: `${path}.${key}`, value: field });
	}
	return out;
}

function pairs(items: unknown[]): Array<[unknown, unknown]> {
	const out: Array<[unknown, unknown]> = [];
	for (let i = 0; i < items.length; i += 2) out.push([items[i], items[i + 1]]);
	return out;
}

/** Serializes `value`; `fieldsOf` chooses which fields of each object are written (and which classes may be). */
export function encodeJson(value: unknown, fieldsOf: FieldsOf = plainFieldsOnly): string {
	// Pass 1: how often each object is reached, so one reached twice is written once and referenced after.
	const seen = new Map<object, number>();
	const onPath = new Set<object>();
	function count(node: unknown, path: string): void {
		if (typeof node !== "object" || node === null) return;
		if (onPath.has(node)) throw new TypeError(`${path}: a cycle cannot be written as JSON`);
		const times = (seen.get(node) ?? 0) + 1;
		seen.set(node, times);
		if (times > 1) return;
		onPath.add(node);
		for (const child of children(node, path, fieldsOf)) count(child.value, child.path);
		onPath.delete(node);
	}
	count(value, "$");

	// Pass 2: the tagged tree.
	const ids = new Map<object, number>();
	function encode(node: unknown, path: string): unknown {
		switch (typeof node) {
			case "string":
			case "boolean":
				return node;
			case "undefined":
				return { $: "undefined" } satisfies Tagged;
			case "number":
				return Number.isFinite(node) ? node : ({ $: "number", v: String(node) as "Infinity" | "-Infinity" | "NaN" } satisfies Tagged);
			case "object":
				break;
			default:
				throw new TypeError(`${path}: a ${typeof node} cannot be written as JSON`);
		}
		if (node === null) return null;
		const id = ids.get(node);
		if (id !== undefined) return { $: "ref", id } satisfies Tagged;
		const parts = children(node, path, fieldsOf).map((child) => ({ key: child.key, encoded: encode(child.value, child.path) }));
		let out: unknown;
		if (Array.isArray(node)) out = parts.map((part) => part.encoded);
		else if (node instanceof Map) out = { $: "Map", v: pairs(parts.map((part) => part.encoded)) } satisfies Tagged;
		else if (node instanceof Set) out = { $: "Set", v: parts.map((part) => part.encoded) } satisfies Tagged;
		else {
			const fields: Record<string, unknown> = {};
			for (const part of parts) defineField(fields, part.key, part.encoded);
			out = Object.hasOwn(fields, "$") ? ({ $: "object", v: fields } satisfies Tagged) : fields;
		}
		if ((seen.get(node) ?? 0) < 2) return out;
		const shared = ids.size;
		ids.set(node, shared);
		return { $: "shared", id: shared, v: out } satisfies Tagged;
	}
	return JSON.stringify(encode(value, "$"));
}

/** Sets a field even when it is named __proto__, which a plain assignment would take as the prototype. */
function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
	Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Parses what encodeJson wrote; objects come back plain (prototypes are the reader's business). */
export function decodeJson(text: string): unknown {
	const shared = new Map<number, unknown>();
	function decode(node: unknown): unknown {
		if (typeof node !== "object" || node === null) return node;
		if (Array.isArray(node)) return node.map(decode);
		const record = node as Record<string, unknown>;
		if (!Object.hasOwn(record, "$")) return decodeFields(record);
		const tagged = record as Tagged;
		switch (tagged.$) {
			case "Map": {
				// Key before value, as encodeJson wrote them, so a shared object is decoded before its references.
				const map = new Map<unknown, unknown>();
				for (const [key, item] of tagged.v) {
					const decodedKey = decode(key);
					map.set(decodedKey, decode(item));
				}
				return map;
			}
			case "Set":
				return new Set(tagged.v.map(decode));
			case "undefined":
				return undefined;
			case "number":
				return Number(tagged.v);
			case "object":
				return decodeFields(tagged.v);
			case "shared": {
				const value = decode(tagged.v);
				shared.set(tagged.id, value);
				return value;
			}
			case "ref":
				if (!shared.has(tagged.id)) throw new SyntaxError(`reference ${tagged.id} before its object`);
				return shared.get(tagged.id);
			default:
				throw new SyntaxError(`unknown tag ${JSON.stringify((tagged as { $: unknown }).$)}`);
		}
	}
	function decodeFields(fields: Record<string, unknown>): Record<string, unknown> {
		const out: Record<string, unknown> = {};
		for (const [key, value] of Object.entries(fields)) defineField(out, key, decode(value));
		return out;
	}
	return decode(JSON.parse(text));
}
