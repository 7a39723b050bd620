// Tiny DOM builders: the page has no framework.

type Attrs = Record<string, string | number | boolean | undefined | null | ((e: Event) => void)>;
type Child = Node | string | null | undefined | false;

/**
 * `h('button', { class: 'x', 'aria-label': 'Hang up', onclick: fn }, 'text')`. Attributes whose value
 * is false/null/undefined are left out; `on…` functions become listeners.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** The element with `id`, typed; throws when the page lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} missing`);
  return el as T;
}

/**
 * Replaces `container`'s children with `children`, keeping what the user typed and has not saved yet: a
 * field (by id) whose value differs from the one it was built with gets that value again in the new
 * field, and the focused field keeps the focus. A redraw for news from the server (another line's DND
 * switched, say) must not wipe a half-typed number.
 */
export function replaceKeepingEdits(container: HTMLElement, children: Node[]): void {
  const edits = new Map<string, string>();
  for (const input of container.querySelectorAll<HTMLInputElement>('input[id]')) {
    if (input.type !== 'checkbox' && input.type !== 'radio' && input.value !== input.defaultValue) edits.set(input.id, input.value);
  }
  const active = document.activeElement;
  const focused = active instanceof HTMLElement && active.id && container.contains(active) ? active.id : undefined;
  container.replaceChildren(...children);
  for (const [id, value] of edits) {
    const input = container.querySelector<HTMLInputElement>(`#${CSS.escape(id)}`);
    if (input) input.value = value;
  }
  if (focused) container.querySelector<HTMLElement>(`#${CSS.escape(focused)}`)?.focus();
}
