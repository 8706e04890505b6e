/**
 * "Une question ?" / "A question?" in the learner's panel: her questions and the
 * course's public ones, the form to ask (suggestions while she types), answers and
 * endorsements; for a course's tutors and teachers, every question, the most urgent
 * first. Every text comes translated from the server; the HTML of questions and answers
 * is sanitised there (nh3), code is shown as text.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';

import { api, el, Json, post, uid } from './dom';

type Texts = Record<string, string>;

/** What the questions part needs from the panel that holds it. */
export interface IQuestionsHost {
  app: JupyterFrontEnd;
  /** the panel's body, where an opened question is found again after a reload */
  body: HTMLElement;
  /** say something in the panel's live region */
  say(message: string): void;
  /** load the panel again (after a question is sent) */
  reload(): Promise<void>;
  /** one of the panel's buttons (busy while its action runs, never disabled) */
  button(label: string, action: () => Promise<void>, of?: string, describedBy?: string): HTMLElement;
}

/** The questions part of every course section, and the sections of the courses she
 * tutors or teaches that her path does not show. */
export class QuestionsPart {
  /** The questions whose answers she opened: still open after the panel is loaded again. */
  private opened = new Set<string>();

  constructor(private host: IQuestionsHost) {}

  /** Where she is: the notebook open in the main area and its active cell. */
  private here(): { notebook: string; cell: string } {
    const widget: any = this.host.app.shell.currentWidget;
    const notebook = widget?.context?.path ?? '';
    const cell = widget?.content?.activeCell?.model?.id ?? '';
    return { notebook: String(notebook), cell: String(cell) };
  }

  /** The courses whose questions she answers (she tutors or teaches them) and that her
   * path does not show already: their questions, the most urgent first. */
  async staffed(shown: string[]): Promise<HTMLElement[]> {
    let found: Json;
    try {
      found = await api('questions/staff');
    } catch {
      return []; // a learner's panel stays whole when this cannot be read
    }
    const sections: HTMLElement[] = [];
    for (const course of found.courses) {
      if (shown.includes(course.id)) {
        continue;
      }
      const section = el('section', { class: 'parcours-panel-course parcours-panel-staffed' });
      const titleId = uid('parcours-course');
      section.setAttribute('aria-labelledby', titleId);
      section.append(el('h3', { id: titleId, text: course.title }));
      try {
        section.append(await this.course(course.id, {}));
      } catch (error) {
        section.append(el('p', { class: 'parcours-panel-late', text: String((error as Error).message || error) }));
      }
      sections.push(section);
    }
    return sections;
  }

  /** "Une question ?": the commitment, her unread answers, the form with suggestions
   * while she types, her questions and the course's public ones; for the course's staff
   * every question, the most urgent first, with who asked. */
  async course(course: string, path: Json): Promise<HTMLElement> {
    const data = await api(`questions?course=${encodeURIComponent(course)}`);
    const q = data.texts as Texts;
    const staff = Boolean(data.staff);
    const box = el('div', { class: 'parcours-panel-questions' });
    const headingId = uid('parcours-questions');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-labelledby', headingId);
    const unread = el('span', { class: 'parcours-panel-unread', text: String(data.unread) });
    box.append(
      el('h4', { id: headingId }, staff ? q.staff_heading : q.heading, ' ', unread),
      el('p', { class: 'parcours-panel-commitment', text: data.commitment })
    );
    const form = el('form', { class: 'parcours-panel-ask' });
    const titleId = uid('parcours-q-title');
    const bodyId = uid('parcours-q-body');
    const codeId = uid('parcours-q-code');
    const publicId = uid('parcours-q-public');
    const title = el('input', { id: titleId, type: 'text', maxlength: '200', 'data-draft': `ask/${course}/title` });
    const body = el('textarea', { id: bodyId, rows: '3', 'data-draft': `ask/${course}/body` });
    const code = el('textarea', {
      id: codeId,
      rows: '2',
      class: 'parcours-panel-code',
      'data-draft': `ask/${course}/code`
    });
    const visible = el('input', { id: publicId, type: 'checkbox' });
    visible.checked = true;
    const mailId = uid('parcours-q-mail');
    const mailMe = el('input', { id: mailId, type: 'checkbox' });
    const similar = el('div', { class: 'parcours-panel-similar', 'aria-live': 'polite' });
    const send = el('button', { type: 'submit', class: 'jp-Button', text: q.send });
    form.append(
      el('label', { for: titleId, text: q.title }), title, similar,
      el('label', { for: bodyId, text: q.body }), body,
      el('label', { for: codeId, text: q.code }), code,
      el('div', {}, visible, el('label', { for: publicId, text: q.public })),
      el('div', {}, mailMe, el('label', { for: mailId, text: q.mail })),
      send
    );
    let typed = 0;
    title.addEventListener('input', () => {
      const mine = ++typed;
      window.setTimeout(async () => {
        if (mine !== typed || title.value.trim().length < 3) {
          return;
        }
        const found = await api(
          `questions/suggest?course=${encodeURIComponent(course)}&q=${encodeURIComponent(title.value)}`
        );
        if (mine !== typed) {
          return;
        }
        similar.replaceChildren();
        if (found.suggestions.length) {
          const list = el('ul');
          for (const s of found.suggestions) {
            const itemId = uid('parcours-similar');
            list.append(
              el('li', {}, el('span', { id: itemId, text: s.title }), ' ',
                this.host.button(q.follow, async () => {
                  await post('questions/follow', { course, id: s.id });
                  this.host.say(q.following);
                }, itemId))
            );
          }
          similar.append(el('p', { text: q.similar }), list);
        }
      }, 250);
    });
    form.addEventListener('submit', async event => {
      event.preventDefault();
      if (send.getAttribute('aria-disabled') === 'true') {
        return;
      }
      send.setAttribute('aria-disabled', 'true');
      const where = this.here();
      const lesson = (path.lessons || []).find(
        (l: Json) => l.notebook && where.notebook.endsWith(l.notebook)
      );
      try {
        await post('questions/ask', {
          course,
          title: title.value,
          body: body.value,
          code: code.value,
          public: visible.checked,
          mail: mailMe.checked,
          activity: lesson ? lesson.id : '',
          notebook: where.notebook,
          cell: where.cell
        });
        this.host.say(q.asked);
        title.value = body.value = code.value = ''; // sent: no draft left to keep
        await this.host.reload();
      } catch (error) {
        this.host.say(String((error as Error).message || error));
      } finally {
        send.removeAttribute('aria-disabled');
      }
    });
    if (staff) {
      box.append(el('h5', { text: q.course_questions }));
    } else {
      box.append(form, el('h5', { text: q.mine }));
    }
    const list = el('ul', { class: 'parcours-panel-question-list' });
    for (const item of data.questions) {
      const itemId = uid('parcours-question');
      const urgency = item.late ? q.late : item.near ? q.near : '';
      const entry = el(
        'li',
        { class: `parcours-question-${item.state}`, 'data-question': item.id },
        el('span', { id: itemId, text: item.title }),
        ' ',
        el('span', { class: 'parcours-panel-state', text: q[`state_${item.state}`] || item.state }),
        ...(staff ? [' ', el('span', { class: 'parcours-panel-asker', text: `(${q.asked_by} ${item.author})` })] : []),
        ...(urgency ? [' ', el('strong', { class: 'parcours-panel-late', text: urgency })] : []),
        ...(item.unread ? [' ', el('strong', { class: 'parcours-panel-unread', text: String(item.unread) })] : [])
      );
      entry.append(' ', this.host.button(q.open, async () => this.showQuestion(entry, course, item.id, q, staff), itemId));
      list.append(entry);
      if (this.opened.has(item.id)) {
        await this.showQuestion(entry, course, item.id, q, staff);
      }
    }
    if (!data.questions.length) {
      list.append(el('li', { text: q.no_question }));
    }
    box.append(list);
    return box;
  }

  /** One question's answers under its entry (their HTML is sanitised by the server),
   * a form to answer it, and for the staff a button to endorse each learner's answer.
   *
   * The question counts as opened from the click: a reload of the panel that runs while
   * its answers are on their way (the one after her question was sent, "Actualiser")
   * opens it again in the list it builds, and the answers go to the entry on the page
   * at their arrival, not to one a reload has taken away. */
  private async showQuestion(entry: HTMLElement, course: string, id: string, q: Texts, staff = false): Promise<void> {
    this.opened.add(id);
    const shown = await api(`questions/show?course=${encodeURIComponent(course)}&id=${encodeURIComponent(id)}`);
    const target = entry.isConnected
      ? entry
      : this.host.body.querySelector<HTMLElement>(`li[data-question="${CSS.escape(id)}"]`) ?? entry;
    target.querySelector('.parcours-panel-question-body')?.remove();
    target.querySelector('.parcours-panel-answers')?.remove();
    const again = () => this.showQuestion(target, course, id, q, staff);
    // what she asked: her details (HTML sanitised by nh3 on the server), her code as text
    const asked = el('div', { class: 'parcours-panel-question-body' });
    asked.innerHTML = shown.body_html || '';
    if (shown.code) {
      asked.append(el('pre', {}, el('code', { text: shown.code })));
    }
    if (asked.childNodes.length) {
      target.append(asked);
    }
    const answers = el('div', { class: 'parcours-panel-answers' }, el('h6', { text: q.answers }));
    for (const answer of shown.answers) {
      const item = el('article', { class: 'parcours-panel-answer' });
      const html = el('div');
      html.innerHTML = answer.body_html; // sanitised by nh3 on the server
      const byId = uid('parcours-answer-by');
      item.append(
        el('p', { id: byId, class: 'parcours-panel-answer-by', text: `${answer.author}${answer.endorsed ? ` (${q.endorsed})` : ''}` }),
        html
      );
      if (staff && !answer.staff && !answer.endorsed) {
        item.append(
          this.host.button(q.endorse, async () => {
            await post('questions/endorse', { course, answer: answer.id });
            this.host.say(q.endorsed_now);
            await again();
          }, byId)
        );
      }
      answers.append(item);
    }
    const form = el('form', { class: 'parcours-panel-reply' });
    const replyId = uid('parcours-reply');
    const reply = el('textarea', { id: replyId, rows: '3', 'data-draft': `reply/${course}/${id}` });
    const send = el('button', { type: 'submit', class: 'jp-Button', text: q.send_answer });
    form.append(el('label', { for: replyId, text: q.your_answer }), reply, send);
    form.addEventListener('submit', async event => {
      event.preventDefault();
      if (send.getAttribute('aria-disabled') === 'true' || !reply.value.trim()) {
        return;
      }
      send.setAttribute('aria-disabled', 'true');
      try {
        await post('questions/answer', { course, id, body: reply.value });
        this.host.say(q.answer_sent);
        reply.value = '';
        await again();
      } catch (error) {
        this.host.say(String((error as Error).message || error));
      } finally {
        send.removeAttribute('aria-disabled');
      }
    });
    answers.append(form);
    target.append(answers);
    target.querySelector('.parcours-panel-unread')?.remove();
  }
}
