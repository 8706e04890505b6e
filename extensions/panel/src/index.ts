/**
 * Parcours' "Mon parcours" / "My path" panel (left sidebar of JupyterLab 4).
 *
 * Text-free on purpose: every label comes translated from the server extension
 * (GET parcours/api/path, gettext on the Python side); dates come as ISO 8601 and are
 * written here in the learner's own time zone with Intl, the zone named.
 *
 * Also: keys pressed inside a quiz widget (.parcours-quiz) stay there (the notebook's
 * command-mode shortcuts do not take arrows, Space or Enter from a quiz control), and
 * after a check the focus goes to the quiz's feedback (a live region).
 */
import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Widget } from '@lumino/widgets';

import { api, el, Json, post, said, uid } from './dom';
import { installQuizKeys } from './quizkeys';
import { badgesSection } from './badges';
import { keep, restore } from './drafts';
import { peerSection } from './peer';
import { QuestionsPart } from './questions';

type Texts = Record<string, string>;

const PANEL_ID = 'parcours-panel';
const OPEN_COMMAND = 'parcours:open-panel';
const LAUNCHER_COMMAND = 'launcher:create';


/** The learner's own zone, as the browser knows it (IANA name). */
function myZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function when(iso: string | null | undefined, lang: string): string {
  if (!iso) {
    return '-';
  }
  const format = new Intl.DateTimeFormat(lang, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short'
  });
  return format.format(new Date(iso));
}

class PathPanel extends Widget {
  private texts: Texts = {};
  private lang = 'fr';
  private live: HTMLElement;
  private body: HTMLElement;
  private loading: Promise<void> = Promise.resolve();
  /** "Une question ?" in each course, and the questions of the courses she tutors. */
  private questions: QuestionsPart;
  /** Loads asked for and not done yet (see :meth:`load`). */
  private pending = 0;

  constructor(private app: JupyterFrontEnd) {
    super();
    this.id = PANEL_ID;
    this.addClass('parcours-panel');
    this.title.caption = 'Parcours';
    this.title.iconClass = 'parcours-panel-icon';
    this.title.label = '';
    this.body = el('div', { class: 'parcours-panel-body' });
    this.live = el('div', {
      class: 'parcours-panel-live',
      role: 'status',
      'aria-live': 'polite',
      tabindex: '-1'
    });
    this.node.append(this.live, this.body);
    this.node.setAttribute('role', 'region');
    this.questions = new QuestionsPart({
      app,
      body: this.body,
      say: m => this.say(m),
      reload: () => this.load(),
      button: (label, action, of, describedBy) => this.button(label, action, of, describedBy)
    });
  }

  /** Say something in the live region (screen readers announce it). */
  private say(message: string, warning = ''): void {
    this.live.replaceChildren(
      el('p', { text: message }),
      ...(warning ? [el('p', { class: 'parcours-panel-late', text: warning })] : [])
    );
  }

  /** A real button; ``of``: the id of the heading it acts on (part of its name). */
  private button(
    label: string,
    action: () => Promise<void>,
    of = '',
    describedBy = ''
  ): HTMLButtonElement {
    const id = uid('parcours-button');
    const button = el('button', {
      id,
      type: 'button',
      class: 'jp-Button parcours-panel-button',
      text: label,
      ...(of ? { 'aria-labelledby': `${id} ${of}` } : {}),
      ...(describedBy ? { 'aria-describedby': describedBy } : {})
    });
    // busy, not disabled: a disabled button would drop the keyboard focus to the page
    button.addEventListener('click', async () => {
      if (button.getAttribute('aria-disabled') === 'true') {
        return;
      }
      button.setAttribute('aria-disabled', 'true');
      this.live.textContent = this.texts.working || '…';
      try {
        await action();
        if (this.live.textContent === this.texts.working) {
          this.live.textContent = '';
        }
      } catch (error) {
        this.say(String((error as Error).message || error));
      } finally {
        button.removeAttribute('aria-disabled');
      }
    });
    return button;
  }

  private async open(paths: string[]): Promise<void> {
    for (const path of paths) {
      await this.app.commands.execute('docmanager:open', { path });
    }
  }

  /** Load everything again; the focus, when it was in the panel's body (which is
   * rebuilt), goes to the panel's heading instead of falling to the page. */
  async refresh(): Promise<void> {
    const data = await api('path');
    this.texts = data.texts;
    said.timeout = this.texts.timeout;
    this.lang = data.lang;
    this.title.caption = this.texts.title;
    const headingId = uid('parcours-title');
    this.node.setAttribute('aria-labelledby', headingId);
    const header = el(
      'div',
      { class: 'parcours-panel-header' },
      el('h2', { id: headingId, text: this.texts.title }),
      this.button(this.texts.refresh, () => this.load())
    );
    const parts: Node[] = [header];
    if (!data.courses.length) {
      parts.push(el('p', { text: this.texts.no_course }));
    }
    for (const course of data.courses) {
      parts.push(await this.course(course));
    }
    parts.push(...(await this.questions.staffed(data.courses.map((c: Json) => c.course))));
    const hadFocus = this.body.contains(document.activeElement);
    const kept = keep(this.body);
    this.body.replaceChildren(...parts);
    if (!restore(this.body, kept) && hadFocus) {
      this.focusHeading();
    }
  }

  /** :meth:`refresh`, a failure said in the live region. The panel is ``aria-busy``
   * from the call until every load asked for is done (assistive technologies wait for
   * it; so do the tests, rather than for a focus the page may take back). */
  async load(): Promise<void> {
    this.pending += 1;
    this.node.setAttribute('aria-busy', 'true');
    // one refresh at a time: a second one waits for the first (the start-up load and the
    // shortcut's must not overwrite each other's focus)
    this.loading = this.loading.then(async () => {
      try {
        await this.refresh();
      } catch (error) {
        this.say(String((error as Error).message || error));
      } finally {
        this.pending -= 1;
        if (!this.pending) {
          this.node.removeAttribute('aria-busy');
        }
      }
    });
    await this.loading;
  }

  focusHeading(): void {
    const heading = this.body.querySelector<HTMLElement>('h2');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }

  private async course(path: Json): Promise<HTMLElement> {
    const t = this.texts;
    const id = path.course;
    const [deadlines, review, workload] = await Promise.all([
      api(`deadlines?course=${encodeURIComponent(id)}`),
      api(`review?course=${encodeURIComponent(id)}`),
      api(`workload?course=${encodeURIComponent(id)}`)
    ]);
    const section = el('section', { class: 'parcours-panel-course' });
    const titleId = uid('parcours-course');
    section.setAttribute('aria-labelledby', titleId);
    section.append(el('h3', { id: titleId, text: path.title }));

    // my path
    section.append(el('h4', { text: t.path }), el('p', { text: path.summary }));
    const lessons = el('ol', { class: 'parcours-panel-lessons' });
    for (const lesson of path.lessons) {
      const state = t[lesson.state] || lesson.state;
      const lessonId = uid('parcours-lesson');
      const item = el(
        'li',
        { class: `parcours-lesson-${lesson.state}` },
        el('span', { id: lessonId, text: lesson.title }),
        ' ',
        el('span', { class: 'parcours-panel-state', text: state }),
        ...(lesson.version_text ? [' ', el('span', { text: lesson.version_text })] : [])
      );
      if (lesson.state === 'next') {
        item.append(' ', this.button(t.open_lesson, () => this.open([lesson.notebook]), lessonId));
      }
      lessons.append(item);
    }
    section.append(lessons);

    // my assignments
    section.append(
      el('h4', { text: t.deadlines }),
      el('p', { class: 'parcours-panel-zone' }, el('span', { text: t.zone }), ' ', el('strong', { text: myZone() }))
    );
    for (const row of deadlines.assignments) {
      section.append(this.assignment(id, row));
    }

    // review and workload
    section.append(el('h4', { text: t.review }), el('p', { text: review.summary }));
    if (review.items.length) {
      const list = el('ul');
      for (const item of review.items) {
        list.append(el('li', { text: item.text }));
      }
      section.append(list);
    }
    section.append(el('h4', { text: t.workload }), el('p', { text: workload.summary }));
    const days = el('ul', { class: 'parcours-panel-week' });
    for (const day of workload.days) {
      days.append(el('li', { class: day.today ? 'parcours-today' : '', text: day.text }));
    }
    section.append(days);
    try {
      section.append(await this.questions.course(id, path));
    } catch (error) {
      // the rest of her path stays usable when the questions cannot be read
      section.append(el('p', { class: 'parcours-panel-late', text: String((error as Error).message || error) }));
    }
    try {
      section.append(
        ...(await peerSection(id, { app: this.app, say: m => this.say(m), reload: () => this.load() }))
      );
    } catch (error) {
      section.append(el('p', { class: 'parcours-panel-late', text: String((error as Error).message || error) }));
    }
    try {
      const badges = await api(`badges?course=${encodeURIComponent(id)}`);
      if (badges.badges) {
        section.append(badgesSection(badges, this.lang));
      }
    } catch (error) {
      section.append(el('p', { class: 'parcours-panel-late', text: String((error as Error).message || error) }));
    }
    return section;
  }

  private assignment(course: string, row: Json): HTMLElement {
    const t = this.texts;
    const titleId = uid('parcours-assignment');
    const box = el('article', { class: 'parcours-panel-assignment', 'aria-labelledby': titleId });
    box.append(el('h5', { id: titleId, text: row.title }));
    const facts = el('dl');
    const fact = (label: string, value: string) =>
      facts.append(el('dt', { text: label }), el('dd', { text: value }));
    fact(t.opens, when(row.opens, this.lang));
    fact(t.due, when(row.due, this.lang));
    if (row.extension) {
      fact(t.extension, when(row.extension, this.lang));
    }
    box.append(facts, el('p', { class: 'parcours-panel-status', text: row.status_text }));
    const lateId = uid('parcours-late');
    if (row.late_warning && row.can_submit) {
      box.append(el('p', { id: lateId, class: 'parcours-panel-late', text: row.late_warning }));
    }
    const actions = el('div', { class: 'parcours-panel-actions' });
    const target = { course, assignment: row.assignment };
    if (row.can_submit) {
      box.dataset.assignment = `${course}/${row.assignment}`;
    }
    if (row.can_fetch) {
      actions.append(
        this.button(t.fetch, async () => {
          const answer = await post('fetch', target);
          this.say(answer.message);
          await this.open(answer.open);
        }, titleId)
      );
    }
    if (row.can_submit) {
      actions.append(
        this.button(t.submit, async () => this.reflect(box, course, row), titleId,
          row.late_warning ? lateId : '')
      );
    }
    if (row.can_feedback) {
      actions.append(
        this.button(t.feedback, async () => {
          const answer = await post('feedback', target);
          this.say(answer.message);
          await this.open(answer.open);
        }, titleId)
      );
    }
    if (row.can_correction) {
      actions.append(
        this.button(t.correction, async () => {
          const answer = await post('fetch', { ...target, correction: true });
          this.say(answer.message);
          await this.open(answer.open);
        }, titleId)
      );
    }
    box.append(actions);
    return box;
  }

  /** The reflection asked before submitting; submits when sent. */
  private async reflect(box: HTMLElement, course: string, row: Json): Promise<void> {
    const t = this.texts;
    box.querySelector('.parcours-panel-reflection')?.remove();
    const form = el('form', {
      class: 'parcours-panel-reflection',
      'data-assignment': `${course}/${row.assignment}`
    });
    const legendId = uid('parcours-reflection');
    const fieldset = el('fieldset', {}, el('legend', { id: legendId, text: t.reflection }));
    fieldset.append(el('p', { text: t.reflection_prompt }));
    const minutesId = uid('parcours-minutes');
    const minutes = el('input', { id: minutesId, type: 'number', min: '0', max: '1440', value: '30' });
    const hardId = uid('parcours-hard');
    const hard = el('textarea', { id: hardId, rows: '3' });
    fieldset.append(
      el('label', { for: minutesId, text: t.minutes }),
      minutes,
      el('label', { for: hardId, text: t.difficulties }),
      hard
    );
    const group = el('div', { role: 'radiogroup', class: 'parcours-panel-confidence' });
    const groupLabel = uid('parcours-confidence');
    group.setAttribute('aria-labelledby', groupLabel);
    group.append(el('span', { id: groupLabel, text: t.confidence }));
    const name = uid('confidence');
    for (let level = 1; level <= 5; level++) {
      const id = uid('parcours-level');
      group.append(
        el('input', { type: 'radio', name, id, value: String(level) }),
        el('label', { for: id, text: String(level) })
      );
    }
    fieldset.append(group);
    if (row.late_warning) {
      fieldset.append(el('p', { class: 'parcours-panel-late', text: row.late_warning }));
    }
    const send = el('button', { type: 'submit', class: 'jp-Button', text: t.send_and_submit });
    const cancel = el('button', { type: 'button', class: 'jp-Button', text: t.cancel });
    cancel.addEventListener('click', () => form.remove());
    fieldset.append(send, cancel);
    form.append(fieldset);
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const chosen = group.querySelector<HTMLInputElement>('input:checked');
      if (!chosen) {
        this.say(t.need_confidence);
        return;
      }
      if (send.getAttribute('aria-disabled') === 'true') {
        return;
      }
      send.setAttribute('aria-disabled', 'true');
      this.live.textContent = t.working;
      try {
        const answer = await post('submit', {
          course,
          assignment: row.assignment,
          reflection: {
            minutes: Number(minutes.value || 0),
            difficulties: hard.value,
            confidence: Number(chosen.value)
          }
        });
        this.say(answer.message, [answer.late_warning, answer.left_out].filter(Boolean).join(' '));
        form.remove(); // sent: not kept by the reload
        await this.load();
        this.live.focus();
      } catch (error) {
        this.say(String((error as Error).message || error));
        send.removeAttribute('aria-disabled');
      }
    });
    box.append(form);
    minutes.focus();
  }
}

/** JupyterLab opens a launcher, and gives it the focus, whenever its main area is found
 * empty (once her files are listed, and at each change of layout, the panel's own
 * showing included): a moment after the panel's heading took the focus, her next key
 * went to the launcher. The launcher JupyterLab would open is opened here, before the
 * panel is shown, without the focus. */
async function settleMainArea(app: JupyterFrontEnd, shell: ILabShell | null): Promise<void> {
  if (shell && shell.isEmpty('main') && app.commands.hasCommand(LAUNCHER_COMMAND)) {
    await app.commands.execute(LAUNCHER_COMMAND, { activate: false });
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'parcours-panel:plugin',
  description: 'The learner\'s "Mon parcours" / "My path" panel.',
  autoStart: true,
  optional: [ILayoutRestorer, ILabShell],
  activate: (app: JupyterFrontEnd, restorer: ILayoutRestorer | null, shell: ILabShell | null) => {
    installQuizKeys(document.body);
    const panel = new PathPanel(app);
    app.shell.add(panel, 'left', { rank: 50 });
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }
    app.commands.addCommand(OPEN_COMMAND, {
      label: 'Parcours',
      execute: async () => {
        // a press while her JupyterLab is still starting would be undone when her saved
        // layout is put back (its left area's tab, often the file browser, made current)
        await app.restored;
        await settleMainArea(app, shell);
        app.shell.activateById(PANEL_ID);
        await panel.load();
        panel.focusHeading();
      }
    });
    app.commands.addKeyBinding({
      command: OPEN_COMMAND,
      keys: ['Alt Shift P'],
      selector: 'body'
    });
    void app.restored.then(async () => {
      await panel.load();
    });
  }
};

export default plugin;
