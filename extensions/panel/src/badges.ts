/**
 * "Mes badges" / "My badges": the badges of a course she holds, each with the day it
 * was issued and a link to its public page, then those still to earn with their
 * criteria (`GET parcours/api/badges?course=`; the texts come from the server).
 */
import { el, Json, uid } from './dom';

/** Her badges: each one held with the day it was issued and a link to its public
 * page (where anyone she shows it to checks it), then those still to earn. */
export function badgesSection(data: Json, lang: string): HTMLElement {
  const t = data.texts;
  const box = el('div', { class: 'parcours-panel-badges', role: 'group' });
  const headingId = uid('parcours-badges');
  box.setAttribute('aria-labelledby', headingId);
  box.append(el('h4', { id: headingId, text: t.heading }));
  if (data.problem) {
    box.append(el('p', { class: 'parcours-panel-late', text: data.problem }));
    return box;
  }
  if (!data.earned.length) {
    box.append(el('p', { text: t.none_yet }));
  }
  const held = el('ul', { class: 'parcours-badges-held' });
  for (const badge of data.earned) {
    const nameId = uid('parcours-badge');
    const linkId = uid('parcours-badge-link');
    const day = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long', year: 'numeric' });
    held.append(
      el(
        'li',
        { class: badge.revoked ? 'parcours-badge-revoked' : 'parcours-badge-held' },
        el('strong', { id: nameId, text: badge.name }),
        ' ',
        el('span', { text: badge.revoked ? t.revoked : `${t.earned_on} ${day.format(new Date(badge.issued_at))}` }),
        ' ',
        el('a', {
          id: linkId,
          href: badge.url,
          target: '_blank',
          rel: 'noopener noreferrer',
          'aria-labelledby': `${linkId} ${nameId}`,
          text: t.check
        }),
        ...(badge.revoked
          ? []
          : [
              ' ',
              el('a', {
                id: `${linkId}-png`,
                href: badge.image,
                download: '',
                'aria-labelledby': `${linkId}-png ${nameId}`,
                text: t.download
              })
            ])
      )
    );
  }
  if (data.earned.length) {
    box.append(held);
  }
  if (data.to_earn.length) {
    box.append(el('h5', { text: t.to_earn }));
    const next = el('ul', { class: 'parcours-badges-to-earn' });
    for (const badge of data.to_earn) {
      next.append(el('li', {}, el('strong', { text: badge.name }), ' — ', el('span', { text: badge.criteria })));
    }
    box.append(next);
  }
  return box;
}
