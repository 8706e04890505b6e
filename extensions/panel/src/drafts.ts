/**
 * What she is writing in the panel survives its reloads (the shortcut pressed again,
 * "Actualiser", the reload after a rating or a hand-in): the panel's body is rebuilt
 * from the server's answers, so
 *
 * - a text field marked ``data-draft`` (a key the rebuilt panel gives the same field:
 *   her question's title, details and code, her appeal, her answer to a question) gets
 *   back what she had typed, and the focus and caret when she was in it;
 * - a form built on demand and marked ``data-assignment`` (the reflection asked before
 *   handing in) is moved, as it is, into the rebuilt box of its assignment while she can
 *   still hand it in.
 *
 * A form that was sent empties its fields (or is removed) before the panel is loaded
 * again, so nothing sent comes back as a draft.
 */

type Field = HTMLInputElement | HTMLTextAreaElement;

/** What is typed in the panel's body now, by draft key, its open reflections, and
 * where the focus was (in the body). */
export interface IKept {
  drafts: Map<string, { value: string; start: number | null; end: number | null }>;
  forms: HTMLElement[];
  active: HTMLElement | null;
}

/** Read from the body about to be rebuilt. */
export function keep(body: HTMLElement): IKept {
  const drafts: IKept['drafts'] = new Map();
  for (const field of Array.from(body.querySelectorAll<Field>('[data-draft]'))) {
    if (field.dataset.draft && field.value) {
      const { value, selectionStart: start, selectionEnd: end } = field;
      drafts.set(field.dataset.draft, { value, start, end });
    }
  }
  const focused = document.activeElement;
  return {
    drafts,
    forms: Array.from(body.querySelectorAll<HTMLElement>('form[data-assignment]')),
    active: focused instanceof HTMLElement && body.contains(focused) ? focused : null
  };
}

/** Put what was kept into the rebuilt body (in the page already); returns the field she
 * was in, given the focus back, or null when she was in none of them. */
export function restore(body: HTMLElement, kept: IKept): HTMLElement | null {
  let focus: HTMLElement | null = null;
  for (const form of kept.forms) {
    const key = CSS.escape(form.dataset.assignment ?? '');
    const box = body.querySelector(`.parcours-panel-assignment[data-assignment="${key}"]`);
    if (box) {
      box.append(form);
      if (kept.active && form.contains(kept.active)) {
        focus = kept.active;
      }
    }
  }
  for (const field of Array.from(body.querySelectorAll<Field>('[data-draft]'))) {
    const key = field.dataset.draft ?? '';
    const draft = kept.drafts.get(key);
    if (!draft || field.value) {
      continue;
    }
    field.value = draft.value;
    if (kept.active?.dataset.draft === key) {
      focus = field;
      field.focus();
      if (draft.start !== null && draft.end !== null) {
        field.setSelectionRange(draft.start, draft.end);
      }
    }
  }
  focus?.focus();
  return focus;
}
