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

interface IDraft {
  value: string;
  focused: boolean;
  start: number | null;
  end: number | null;
}

/** What is typed in the panel's body now, by draft key, and its open reflections. */
export interface IKept {
  drafts: Map<string, IDraft>;
  forms: HTMLElement[];
  /** where the focus was, when in one of those forms */
  active: HTMLElement | null;
}

/** Read from the body about to be rebuilt. */
export function keep(body: HTMLElement): IKept {
  const drafts = new Map<string, IDraft>();
  for (const field of Array.from(body.querySelectorAll<Field>('[data-draft]'))) {
    const key = field.dataset.draft;
    if (key && field.value) {
      drafts.set(key, {
        value: field.value,
        focused: document.activeElement === field,
        start: field.selectionStart,
        end: field.selectionEnd
      });
    }
  }
  const forms = Array.from(body.querySelectorAll<HTMLElement>('form[data-assignment]'));
  const focused = document.activeElement;
  const active =
    focused instanceof HTMLElement && forms.some(form => form.contains(focused)) ? focused : null;
  return { drafts, forms, active };
}

/** Put what was kept into the rebuilt body (in the page already); returns the field she
 * was in, given the focus back, or null when she was in none of them. */
export function restore(body: HTMLElement, kept: IKept): HTMLElement | null {
  let focus: HTMLElement | null = null;
  for (const form of kept.forms) {
    const key = form.dataset.assignment;
    const box = Array.from(
      body.querySelectorAll<HTMLElement>('.parcours-panel-assignment[data-assignment]')
    ).find(candidate => candidate.dataset.assignment === key);
    if (box) {
      box.append(form);
      if (kept.active && form.contains(kept.active)) {
        focus = kept.active;
      }
    }
  }
  for (const field of Array.from(body.querySelectorAll<Field>('[data-draft]'))) {
    const draft = kept.drafts.get(field.dataset.draft ?? '');
    if (!draft || field.value) {
      continue;
    }
    field.value = draft.value;
    if (draft.focused) {
      focus = field;
    }
  }
  focus?.focus();
  const draft = focus?.dataset.draft ? kept.drafts.get(focus.dataset.draft) : undefined;
  if (draft && draft.start !== null && draft.end !== null) {
    (focus as Field).setSelectionRange(draft.start, draft.end);
  }
  return focus;
}
