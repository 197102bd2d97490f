/**
 * Just enough XML for the AWS wire protocols the sandbox speaks: a writer for responses (EC2's ec2Query
 * and Route 53's restXml) and a small parser for Route 53's request bodies. No DTDs, no namespaces
 * (prefixes are kept as part of the name), attributes are skipped: AWS request bodies use none we need.
 */
export type XmlChild = XmlNode | string | number | boolean | undefined | null;

export interface XmlNode {
  readonly name: string;
  readonly children: readonly XmlChild[];
  readonly attributes?: Readonly<Record<string, string>>;
}

/** One element; `undefined`/`null` children are left out, so optional members simply do not appear. */
export function el(name: string, ...children: XmlChild[]): XmlNode {
  return { name, children };
}

/** An element only when the value is present (optional members are omitted, as AWS omits them). */
export function opt(name: string, value: string | number | boolean | undefined | null): XmlNode | undefined {
  return value === undefined || value === null ? undefined : el(name, value);
}

/** An EC2-style list: `<name><item>...</item>...</name>`; an empty list is still written (`<name/>`). */
export function itemSet(name: string, items: readonly XmlChild[][], itemName = 'item'): XmlNode {
  return el(name, ...items.map((children) => el(itemName, ...children)));
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Serialises a document with the XML declaration, as AWS sends it. */
export function xmlDocument(root: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderNode(root)}`;
}

function renderNode(node: XmlNode): string {
  const attributes = Object.entries(node.attributes ?? {})
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  const inner = node.children.map(renderChild).join('');
  return inner === '' ? `<${node.name}${attributes}/>` : `<${node.name}${attributes}>${inner}</${node.name}>`;
}

function renderChild(child: XmlChild): string {
  if (child === undefined || child === null) return '';
  if (typeof child === 'object') return renderNode(child);
  return escapeXml(String(child));
}

/** A root element with an xmlns attribute (AWS responses carry their API namespace). */
export function withNamespace(node: XmlNode, namespace: string): XmlNode {
  return { ...node, attributes: { xmlns: namespace } };
}

/** A parsed element: its child elements in order, and its text (concatenated, entities decoded). */
export interface ParsedElement {
  readonly name: string;
  readonly children: ParsedElement[];
  text: string;
}

export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
}

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;

function decodeEntities(text: string): string {
  return text.replace(ENTITY, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[entity] as string;
  });
}

/** Parses a document into its root element; throws XmlParseError on anything malformed. */
export function parseXml(source: string): ParsedElement {
  const stack: ParsedElement[] = [];
  let root: ParsedElement | undefined;
  let index = 0;
  while (index < source.length) {
    const open = source.indexOf('<', index);
    const text = source.slice(index, open === -1 ? source.length : open);
    if (stack.length > 0) stack[stack.length - 1].text += decodeEntities(text);
    else if (text.trim() !== '') throw new XmlParseError('Text outside the root element');
    if (open === -1) break;
    if (source.startsWith('<?', open)) {
      index = endOf(source, '?>', open);
    } else if (source.startsWith('<!--', open)) {
      index = endOf(source, '-->', open);
    } else if (source.startsWith('<![CDATA[', open)) {
      const end = endOf(source, ']]>', open);
      if (stack.length === 0) throw new XmlParseError('CDATA outside the root element');
      stack[stack.length - 1].text += source.slice(open + 9, end - 3);
      index = end;
    } else if (source.startsWith('</', open)) {
      const end = endOf(source, '>', open);
      const name = source.slice(open + 2, end - 1).trim();
      const current = stack.pop();
      if (!current || current.name !== name) throw new XmlParseError(`Unexpected closing tag </${name}>`);
      index = end;
    } else {
      const end = endOf(source, '>', open);
      const body = source.slice(open + 1, end - 1);
      const selfClosing = body.endsWith('/');
      const name = (selfClosing ? body.slice(0, -1) : body).trim().split(/\s+/)[0];
      if (!/^[A-Za-z_][\w.:-]*$/.test(name)) throw new XmlParseError(`Invalid element name "${name}"`);
      const element: ParsedElement = { name, children: [], text: '' };
      if (stack.length > 0) stack[stack.length - 1].children.push(element);
      else if (root) throw new XmlParseError('More than one root element');
      else root = element;
      if (!selfClosing) stack.push(element);
      index = end;
    }
  }
  if (!root || stack.length > 0) throw new XmlParseError('The document is empty or not closed');
  return root;
}

function endOf(source: string, terminator: string, from: number): number {
  const at = source.indexOf(terminator, from);
  if (at === -1) throw new XmlParseError(`Missing "${terminator}"`);
  return at + terminator.length;
}

/** The first child element of that name (local name: a namespace prefix is ignored). */
export function child(element: ParsedElement | undefined, name: string): ParsedElement | undefined {
  return element?.children.find((candidate) => localName(candidate.name) === name);
}

export function children(element: ParsedElement | undefined, name: string): ParsedElement[] {
  return element?.children.filter((candidate) => localName(candidate.name) === name) ?? [];
}

/** The trimmed text of a child element, or undefined when it is absent. */
export function childText(element: ParsedElement | undefined, name: string): string | undefined {
  const found = child(element, name);
  return found === undefined ? undefined : found.text.trim();
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}
