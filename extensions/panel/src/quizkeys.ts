/**
 * Quiz widgets (.parcours-quiz, ipywidgets in a notebook's output) keep their keys:
 * arrows, Home/End, Space and Enter pressed on a quiz control do what the control does
 * (move within a radio group, tick, check) and never reach the notebook's command-mode
 * shortcuts (JupyterLab handles keydown on the document, in the bubbling phase). Tab,
 * Escape, Shift+Enter and shortcuts with Ctrl/Alt/Meta still reach JupyterLab.
 *
 * After a check, the quiz's feedback (role="alert") gets the focus when the focus was on
 * that quiz's button or fell to the page: the next Tab goes on to the next control.
 */

const QUIZ = '.parcours-quiz';

function passes(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey) {
    return true;
  }
  if (event.key === 'Tab' || event.key === 'Escape') {
    return true;
  }
  return event.key === 'Enter' && event.shiftKey;
}

function feedbackOf(quiz: Element): HTMLElement | null {
  return quiz.querySelector<HTMLElement>('[role="alert"]');
}

export function installQuizKeys(root: HTMLElement): void {
  // the quiz whose button was pressed, or whose field got Enter (a settled check disables
  // the button, which drops the focus to the page)
  let pressedIn: Element | null = null;
  root.addEventListener('keydown', (event: KeyboardEvent) => {
    const target = event.target as HTMLElement | null;
    const quiz = target?.closest?.(QUIZ);
    if (!quiz || passes(event)) {
      return;
    }
    event.stopPropagation();
  });
  // ipywidgets' text field stops its own keydown events: Enter is seen on the way down
  root.addEventListener(
    'keydown',
    (event: KeyboardEvent) => {
      const target = event.target as HTMLInputElement | null;
      const quiz = target?.closest?.(QUIZ);
      if (quiz && event.key === 'Enter' && !event.shiftKey && target?.type === 'text') {
        pressedIn = quiz;
      }
    },
    true
  );

  root.addEventListener(
    'click',
    event => {
      const target = event.target as HTMLElement | null;
      pressedIn = target?.closest?.('button') ? target.closest(QUIZ) : null;
    },
    true
  );

  const observer = new MutationObserver(records => {
    for (const record of records) {
      const node = record.target as HTMLElement;
      const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
      const quiz = element?.closest?.(QUIZ);
      if (!quiz || quiz !== pressedIn) {
        continue;
      }
      const feedback = feedbackOf(quiz);
      if (!feedback) {
        continue;
      }
      const active = document.activeElement;
      const lost = !active || active === document.body || (active as HTMLButtonElement).disabled;
      if (lost || quiz.contains(active)) {
        pressedIn = null;
        feedback.setAttribute('tabindex', '-1');
        feedback.focus();
        return;
      }
    }
  });
  observer.observe(root, { childList: true, subtree: true, characterData: true });
}
