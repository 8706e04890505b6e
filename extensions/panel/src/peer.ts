/**
 * Peer review in the "Mon parcours" panel (issue #27): per assignment with a peer
 * review, she calibrates on the teacher's examples (told how far she was), reviews the
 * anonymous submissions allocated to her (read-only page in a sandboxed frame that runs
 * no script, rubric form beside it, in the main area), reads the reviews of her own work
 * and her grade; rates how helpful each review of her work was (1 to 5) and may appeal
 * her grade to the teacher, whose answer she reads here.
 *
 * Text-free like the rest of the panel: labels and sentences come translated from the
 * server (GET parcours/api/peer). Everything a classmate wrote (comments, the submitted
 * notebook) is shown as text, or inside the sandboxed frame (HTML sanitised and
 * anonymised by the server, under a Content-Security-Policy that runs nothing).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Widget } from '@lumino/widgets';

import { api, el, Json, uid } from './dom';


/** What the panel lends to the peer-review views. */
export interface IPeerHost {
  app: JupyterFrontEnd;
  /** say something in the panel's live region */
  say(message: string): void;
  /** load the panel again (after a review is sent) */
  reload(): Promise<void>;
}


function num(value: number, lang: string): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(value);
}

function when(iso: string, lang: string): string {
  const format = new Intl.DateTimeFormat(lang, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short'
  });
  return format.format(new Date(iso));
}

function failure(error: unknown): string {
  return String((error as Error).message || error);
}

/** A button whose action's failure is said in the panel's live region. */
function button(host: IPeerHost, label: string, action: () => Promise<void>, of = ''): HTMLButtonElement {
  const id = uid('parcours-peer-button');
  const node = el('button', {
    id,
    type: 'button',
    class: 'jp-Button parcours-panel-button',
    text: label,
    ...(of ? { 'aria-labelledby': `${id} ${of}` } : {})
  });
  node.addEventListener('click', async () => {
    if (node.getAttribute('aria-disabled') === 'true') {
      return;
    }
    node.setAttribute('aria-disabled', 'true');
    try {
      await action();
    } catch (error) {
      host.say(failure(error));
    } finally {
      node.removeAttribute('aria-disabled');
    }
  });
  return node;
}

/** A group of the panel, labelled by its heading. */
function group(className: string, title: string): HTMLElement {
  const box = el('div', { class: className, role: 'group' });
  const headingId = uid(className);
  box.setAttribute('aria-labelledby', headingId);
  box.append(el('h4', { id: headingId, text: title }));
  return box;
}

/** The course's peer reviews (a group) and its team assignments (a group of their
 * own): none when it has neither. */
export async function peerSection(course: string, host: IPeerHost): Promise<HTMLElement[]> {
  const data = await api(`peer?course=${encodeURIComponent(course)}`);
  const t = data.texts;
  const groups: HTMLElement[] = [];
  if (data.assignments.length) {
    const box = group('parcours-panel-peer', t.heading);
    for (const assignment of data.assignments) {
      box.append(assignmentPart(course, assignment, t, data.lang, host));
    }
    groups.push(box);
  }
  if (data.teams.length) {
    const box = group('parcours-panel-teams', t.teams_heading);
    for (const team of data.teams) {
      box.append(teamPart(course, team, t, data.lang, host));
    }
    groups.push(box);
  }
  return groups;
}

/** Her team for a team assignment: members, roles, the latest hand-in and who made it;
 * once handed in, her rating of each team-mate's contribution. */
function teamPart(course: string, team: Json, t: Json, lang: string, host: IPeerHost): HTMLElement {
  const titleId = uid('parcours-team');
  const part = el('article', { class: 'parcours-team', 'aria-labelledby': titleId });
  part.append(el('h5', { id: titleId, text: `${t.team} — ${team.title}` }));
  if (team.problem) {
    part.append(el('p', { class: 'parcours-panel-late', text: team.problem }));
    return part;
  }
  const members = el('ul', { class: 'parcours-team-members' });
  for (const member of team.members) {
    members.append(el('li', { text: member.role ? `${member.learner} (${member.role})` : member.learner }));
  }
  part.append(el('p', { text: team.team }), members);
  const last = team.hand_ins.length ? team.hand_ins[team.hand_ins.length - 1] : null;
  part.append(
    el('p', {
      class: 'parcours-team-hand-in',
      text: last ? t.last_hand_in.replace('{who}', last.by).replace('{when}', when(last.at, lang)) : t.no_hand_in
    })
  );
  if (last && team.mates.length) {
    part.append(el('p', { text: t.contribution_intro }));
    for (const mate of team.mates) {
      part.append(contribution(course, team, mate, t, host));
    }
  }
  return part;
}

function assignmentPart(course: string, a: Json, t: Json, lang: string, host: IPeerHost): HTMLElement {
  const titleId = uid('parcours-peer-assignment');
  const part = el('article', { class: 'parcours-peer-assignment', 'aria-labelledby': titleId });
  part.append(el('h5', { id: titleId, text: a.title }), el('p', { text: `${t.due} : ${when(a.due, lang)}` }));
  const row = (item: Json, list: HTMLElement) => {
    const labelId = uid('parcours-peer-label');
    list.append(
      el(
        'li',
        { class: item.done ? 'parcours-peer-done' : 'parcours-peer-todo' },
        el('span', { id: labelId, text: item.label }),
        ' ',
        el('span', { class: 'parcours-panel-state', text: item.done ? t.done : t.not_done }),
        ' ',
        button(host, t.review, () => openReview(course, a, item.label, t, lang, host), labelId)
      )
    );
  };
  if (a.calibration.length) {
    const list = el('ul', { class: 'parcours-peer-calibration' });
    a.calibration.forEach((item: Json) => row(item, list));
    part.append(el('h6', { text: t.calibrate }), el('p', { text: t.calibrate_intro }), list);
  }
  part.append(el('h6', { text: t.to_review }));
  if (a.submissions.length) {
    const list = el('ul', { class: 'parcours-peer-queue' });
    a.submissions.forEach((item: Json) => row(item, list));
    part.append(list);
  } else {
    part.append(el('p', { text: t.nothing_yet }));
  }
  if (a.told_text.length) {
    part.append(el('h6', { text: t.told }), told(a.told_text));
  }
  part.append(received(course, a, t, lang, host));
  return part;
}

function told(sentences: string[]): HTMLElement {
  const list = el('ul', { class: 'parcours-peer-told' });
  for (const sentence of sentences) {
    list.append(el('li', { text: sentence }));
  }
  return list;
}

/** Her grade and the anonymous reviews of her work (comments as text only). */
function received(course: string, a: Json, t: Json, lang: string, host: IPeerHost): HTMLElement {
  const box = el('div', { class: 'parcours-peer-received' }, el('h6', { text: t.received }));
  const criteria = new Map<string, Json>();
  for (const task of a.rubric) {
    for (const criterion of task.criteria) {
      criteria.set(criterion.key, criterion);
    }
  }
  for (const grade of a.grade) {
    box.append(
      el(
        'p',
        { class: 'parcours-peer-grade' },
        el('strong', { text: `${t.grade} — ${grade.title} : ${num(grade.score, lang)}/${num(grade.points, lang)}` }),
        ...(grade.comment ? [' ', el('span', { text: grade.comment })] : [])
      )
    );
  }
  if (!a.received.length) {
    box.append(el('p', { text: t.no_received }));
  }
  for (const review of a.received) {
    const item = el('article', { class: 'parcours-peer-review-received' });
    item.append(el('p', {}, el('strong', { text: t.review_number.replace('{n}', String(review.number)) })));
    const facts = el('ul', { class: 'parcours-peer-scores' });
    for (const [key, points] of Object.entries(review.scores)) {
      const criterion = criteria.get(key);
      const level = criterion?.levels.find((l: Json) => l.points === points);
      facts.append(
        el(
          'li',
          {},
          `${criterion ? criterion.title : key} : `,
          el('strong', { text: `${level ? level.description : ''} (${num(Number(points), lang)})` })
        )
      );
    }
    item.append(facts);
    for (const task of a.rubric) {
      const text = review.comments[task.id];
      if (text) {
        item.append(el('p', { class: 'parcours-peer-comment' }, el('em', { text: `${task.title} : ` }), text));
      }
    }
    item.append(rating(course, a, review, t, host));
    box.append(item);
  }
  box.append(appealPart(course, a, t, lang, host));
  return box;
}

/** A scale of 1 to 5 as a radio group (arrow keys move and choose), each choice sent at
 * once by ``send``. */
function scale(
  className: string,
  legend: string,
  labels: string[],
  current: number | null,
  send: (value: number) => Promise<void>
): HTMLElement {
  const legendId = uid('parcours-scale');
  const group = el('fieldset', { class: className, role: 'radiogroup', 'aria-labelledby': legendId });
  group.append(el('legend', { id: legendId, text: legend }));
  const name = uid('parcours-scale-choice');
  labels.forEach((label, index) => {
    const value = index + 1;
    const id = uid('parcours-scale-option');
    const input = el('input', { type: 'radio', name, id, value: String(value) });
    input.checked = current === value;
    input.addEventListener('change', async () => {
      if (input.checked) {
        await send(value);
      }
    });
    group.append(el('div', { class: 'parcours-peer-helpful' }, input, el('label', { for: id, text: label })));
  });
  return group;
}

const LEVELS = [1, 2, 3, 4, 5];

/** How helpful review ``review`` was, 1 to 5, said in the panel's live region. */
function rating(course: string, a: Json, review: Json, t: Json, host: IPeerHost): HTMLElement {
  const legend = `${t.helpful} (${t.review_number.replace('{n}', String(review.number))})`;
  const labels = LEVELS.map(v => t[`helpful_${v}`]);
  return scale('parcours-peer-rating', legend, labels, review.helpful ?? null, value =>
    send('peer/rating', { course, assignment: a.assignment, number: review.number, helpful: value }, host, () => {
      review.helpful = value;
      host.say(t.rated);
    })
  );
}

/** How much team-mate ``mate`` contributed to the team's hand-in, 1 to 5 (the teacher
 * sees it, the team-mate does not). */
function contribution(course: string, team: Json, mate: Json, t: Json, host: IPeerHost): HTMLElement {
  const legend = t.contribution.replace('{who}', mate.learner);
  const labels = LEVELS.map(v => t[`contribution_${v}`]);
  return scale('parcours-team-contribution', legend, labels, mate.rating ?? null, value =>
    send('peer/contribution', { course, assignment: team.assignment, mate: mate.learner, rating: value }, host, () => {
      mate.rating = value;
      host.say(t.contributed.replace('{who}', mate.learner));
    })
  );
}

/** POST ``body`` to the panel's ``path``: ``done`` once recorded, else the failure said. */
async function send(path: string, body: Json, host: IPeerHost, done: () => void): Promise<void> {
  try {
    await api(path, { method: 'POST', body: JSON.stringify(body) });
    done();
  } catch (error) {
    host.say(failure(error));
  }
}

/** Her appeals and the teacher's answers (as text), and the form to appeal when she may. */
function appealPart(course: string, a: Json, t: Json, lang: string, host: IPeerHost): HTMLElement {
  const part = el('div', { class: 'parcours-peer-appeal' });
  const headingId = uid('parcours-peer-appeal');
  part.setAttribute('role', 'group');
  part.setAttribute('aria-labelledby', headingId);
  part.append(el('h6', { id: headingId, text: t.appeal }));
  for (const made of a.appeals || []) {
    const settled = made.state === 'settled';
    const item = el('div', { class: settled ? 'parcours-peer-appeal-settled' : 'parcours-peer-appeal-open' });
    item.append(
      el('p', {
        class: 'parcours-peer-appeal-state',
        text: (settled ? t.appeal_settled : t.appeal_open).replace('{when}', when(made.at, lang))
      })
    );
    if (settled) {
      item.append(el('blockquote', { class: 'parcours-peer-appeal-answer', text: made.answer }));
    }
    item.append(el('p', { class: 'parcours-peer-appeal-text' }, el('em', { text: `${t.appeal_yours} ` }), made.text));
    part.append(item);
  }
  if (!a.can_appeal) {
    return part;
  }
  const form = el('form', { class: 'parcours-peer-appeal-form' });
  const id = uid('parcours-peer-appeal-text');
  const box = el('textarea', {
    id,
    rows: '4',
    maxlength: '2000',
    'data-draft': `appeal/${course}/${a.assignment}`
  });
  const send = el('button', { type: 'submit', class: 'jp-Button', text: t.appeal_send });
  const status = el('div', { class: 'parcours-peer-status', role: 'status', 'aria-live': 'polite' });
  form.append(el('p', { text: t.appeal_intro }), el('label', { for: id, text: t.appeal_text }), box, send, status);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (send.getAttribute('aria-disabled') === 'true') {
      return;
    }
    if (!box.value.trim()) {
      status.replaceChildren(el('p', { text: t.appeal_empty }));
      return;
    }
    send.setAttribute('aria-disabled', 'true');
    try {
      await api('peer/appeal', {
        method: 'POST',
        body: JSON.stringify({ course, assignment: a.assignment, text: box.value })
      });
      host.say(t.appeal_sent);
      box.value = ''; // sent: no draft left to keep
      await host.reload();
    } catch (error) {
      status.replaceChildren(el('p', { text: failure(error) }));
    } finally {
      send.removeAttribute('aria-disabled');
    }
  });
  part.append(form);
  return part;
}

/** The anonymous page of ``label`` and the rubric form, in the main area. */
async function openReview(course: string, a: Json, label: string, t: Json, lang: string, host: IPeerHost): Promise<void> {
  const query = `course=${encodeURIComponent(course)}&assignment=${encodeURIComponent(a.assignment)}&label=${encodeURIComponent(label)}`;
  const shown = await api(`peer/page?${query}`);
  const widget = new Widget();
  widget.id = uid('parcours-peer-review');
  widget.addClass('parcours-peer-review');
  widget.title.label = label;
  widget.title.closable = true;
  widget.node.setAttribute('lang', lang);
  widget.node.style.overflow = 'auto';
  widget.node.style.padding = '1rem';
  const headingId = uid('parcours-peer-heading');
  widget.node.setAttribute('role', 'region');
  widget.node.setAttribute('aria-labelledby', headingId);
  const frame = el('iframe', {
    // no allow-scripts, no allow-same-origin: nothing in it runs or reaches the page
    sandbox: '',
    title: `${t.page_title} ${label}`,
    class: 'parcours-peer-page',
    style: 'width:100%;height:55vh;border:1px solid var(--jp-border-color1)'
  });
  frame.srcdoc = shown.html;
  const status = el('div', { class: 'parcours-peer-status', role: 'status', 'aria-live': 'polite' });
  widget.node.append(
    el('h2', { id: headingId, text: `${t.page_title} ${label}` }),
    frame,
    reviewForm(course, a, label, t, status, host),
    status
  );
  host.app.shell.add(widget, 'main');
  host.app.shell.activateById(widget.id);
}

function reviewForm(course: string, a: Json, label: string, t: Json, status: HTMLElement, host: IPeerHost): HTMLElement {
  const form = el('form', { class: 'parcours-peer-form' });
  const choices: Array<{ key: string; group: HTMLElement }> = [];
  const comments: Array<{ task: string; box: HTMLTextAreaElement }> = [];
  for (const task of a.rubric) {
    const fieldset = el('fieldset', {}, el('legend', { text: task.title }));
    for (const criterion of task.criteria) {
      const groupId = uid('parcours-peer-criterion');
      const group = el('div', { role: 'radiogroup', 'aria-labelledby': groupId, class: 'parcours-peer-criterion' });
      group.append(el('p', { id: groupId, text: criterion.title }));
      const name = uid('parcours-peer-level');
      for (const level of criterion.levels) {
        const id = uid('parcours-peer-choice');
        group.append(
          el('div', {}, el('input', { type: 'radio', name, id, value: String(level.points) }),
            el('label', { for: id, text: `${level.description} (${level.points})` }))
        );
      }
      choices.push({ key: criterion.key, group });
      fieldset.append(group);
    }
    if (task.comment) {
      const id = uid('parcours-peer-comment');
      const box = el('textarea', { id, rows: '3', maxlength: '5000' });
      fieldset.append(el('label', { for: id, text: t.comment }), box);
      comments.push({ task: task.id, box });
    }
    form.append(fieldset);
  }
  const send = el('button', { type: 'submit', class: 'jp-Button', text: t.send });
  form.append(send);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (send.getAttribute('aria-disabled') === 'true') {
      return;
    }
    const scores: Record<string, number> = {};
    for (const { key, group } of choices) {
      const chosen = group.querySelector<HTMLInputElement>('input:checked');
      if (!chosen) {
        status.replaceChildren(el('p', { text: t.choose_all }));
        return;
      }
      scores[key] = Number(chosen.value);
    }
    const written: Record<string, string> = {};
    for (const { task, box } of comments) {
      if (box.value.trim()) {
        written[task] = box.value;
      }
    }
    send.setAttribute('aria-disabled', 'true');
    try {
      await api('peer/review', {
        method: 'POST',
        body: JSON.stringify({ course, assignment: a.assignment, label, scores, comments: written })
      });
      const said: Node[] = [el('p', { text: t.sent })];
      if (label.startsWith('exemple-')) {
        // told at once how far she was from the teacher
        const now = await api(`peer?course=${encodeURIComponent(course)}`);
        const mine = now.assignments.find((x: Json) => x.assignment === a.assignment);
        if (mine) {
          said.push(told(mine.told_text));
        }
      }
      status.replaceChildren(...said);
      host.say(t.sent);
      await host.reload();
    } catch (error) {
      status.replaceChildren(el('p', { text: failure(error) }));
    } finally {
      send.removeAttribute('aria-disabled');
    }
  });
  return form;
}
