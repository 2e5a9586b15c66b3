// The analysts' dashboard: the IDARATI indicators as charts, in French or Arabic, from the service's own API.
// Plain module, no framework: Chart.js (window.Chart) comes from the service too (/lib), nothing from a CDN.
const TEXT = {
  fr: {
    title: 'IDARATI — tableau de bord', asOf: 'Au', otherLanguage: 'العربية', print: 'Imprimer', signOut: 'Se déconnecter',
    signIn: 'Connexion', signInHelp: 'Collez un jeton (analyste, superviseur ou administrateur).', signInButton: 'Se connecter',
    devHelp: 'En développement : obtenir un jeton pour un rôle.', roleAnalyst: 'Analyste', roleSupervisor: 'Superviseur', roleAdmin: 'Administrateur',
    refused: "Ce jeton n'ouvre pas le tableau de bord : il faut le rôle analyste, superviseur ou administrateur.", invalid: "Ce jeton n'est pas valide.",
    report: 'Rapport de suivi IDARATI', monthly: 'Réclamations reçues et traitées par mois', administrations: 'Taux de traitement et réponses dans le délai de 60 jours, par administration',
    kinds: "Taux de traitement par type d'administration", responseTimes: 'Délais de réponse par catégorie (jours)', callCenterCategories: 'Centre 3737 : questions par catégorie',
    callCenterChannels: 'Centre 3737 : questions par canal', funnel: 'Emploi public : entonnoir par concours', csv: 'Télécharger (CSV)', filter: 'Filtrer les administrations…',
    received: 'Reçues', processed: 'Traitées', processingRate: 'Taux de traitement (%)', withinDeadline: 'Réponses dans le délai (%)', median: 'Médiane', p90: '90e centile',
    questions: 'Questions', applied: 'Candidatures', preselected: 'Présélectionnés', convokedWritten: 'Convoqués à l\'écrit', convokedOral: "Convoqués à l'oral", admitted: 'Admis',
    ministry: 'Ministères', publicEstablishment: 'Établissements publics', territorialCollectivity: 'Collectivités territoriales', phone: 'Téléphone', email: 'Courriel', facebook: 'Facebook',
    final: (f) => `Chiffres définitifs : tout le journal est compté (position ${number(f.position)}).`,
    provisional: (f) => `Chiffres provisoires : ${number(f.lagEvents)} événements attendent d'être comptés (depuis ${number(f.lagSeconds)} s). Actualisation automatique.`,
  },
  ar: {
    title: 'إدارتي — لوحة القيادة', asOf: 'بتاريخ', otherLanguage: 'Français', print: 'طباعة', signOut: 'تسجيل الخروج',
    signIn: 'تسجيل الدخول', signInHelp: 'ألصق رمز الولوج (محلل أو مشرف أو مدير).', signInButton: 'دخول',
    devHelp: 'في بيئة التطوير: الحصول على رمز لدور.', roleAnalyst: 'محلل', roleSupervisor: 'مشرف', roleAdmin: 'مدير',
    refused: 'هذا الرمز لا يفتح لوحة القيادة: يلزم دور محلل أو مشرف أو مدير.', invalid: 'هذا الرمز غير صالح.',
    report: 'تقرير تتبع إدارتي', monthly: 'الشكايات الواردة والمعالجة شهريا', administrations: 'نسبة المعالجة والأجوبة داخل أجل 60 يوما حسب الإدارة',
    kinds: 'نسبة المعالجة حسب نوع الإدارة', responseTimes: 'آجال الجواب حسب الفئة (بالأيام)', callCenterCategories: 'مركز 3737: الأسئلة حسب الفئة',
    callCenterChannels: 'مركز 3737: الأسئلة حسب القناة', funnel: 'التشغيل العمومي: مسار كل مباراة', csv: 'تحميل (CSV)', filter: 'تصفية الإدارات…',
    received: 'الواردة', processed: 'المعالجة', processingRate: 'نسبة المعالجة (%)', withinDeadline: 'الأجوبة داخل الأجل (%)', median: 'الوسيط', p90: 'المئين 90',
    questions: 'الأسئلة', applied: 'الترشيحات', preselected: 'المنتقون', convokedWritten: 'المدعوون للكتابي', convokedOral: 'المدعوون للشفوي', admitted: 'الناجحون',
    ministry: 'الوزارات', publicEstablishment: 'المؤسسات العمومية', territorialCollectivity: 'الجماعات الترابية', phone: 'الهاتف', email: 'البريد الإلكتروني', facebook: 'فيسبوك',
    final: (f) => `أرقام نهائية: السجل كله محسوب (الموضع ${number(f.position)}).`,
    provisional: (f) => `أرقام مؤقتة: ${number(f.lagEvents)} حدثا في انتظار الاحتساب (منذ ${number(f.lagSeconds)} ث). تحديث تلقائي.`,
  },
};

const state = { lang: sessionStorage.getItem('idarati.lang') ?? 'fr', token: sessionStorage.getItem('idarati.token'), data: null, charts: new Map(), refresh: null };
const $ = (selector) => document.querySelector(selector);
const t = (key) => TEXT[state.lang][key] ?? key;
const number = (value, digits = 0, least = 0) => new Intl.NumberFormat(state.lang === 'ar' ? 'ar-MA' : 'fr-MA', { minimumFractionDigits: least, maximumFractionDigits: digits }).format(value);
const label = (pair) => (pair ? (state.lang === 'ar' ? pair.ar : pair.fr) : '');
const today = () => new Date().toISOString().slice(0, 10);

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...(options.headers ?? {}), ...(state.token ? { Authorization: `Bearer ${state.token}` } : {}) } });
  if (!response.ok) throw Object.assign(new Error(`${path}: ${response.status}`), { status: response.status });
  return response.json();
}

/** Everything the charts show, read at once; groups are named from the reference data, in both languages. */
async function load(asOf) {
  // Each request reads the read models once: the kinds are summed here from the administrations' rows (the same
  // figures as groupBy=administrationKind), so that the slow queries run once each (1.1-1.7 s to draw at scale 1 before).
  const [report, monthly, administrations, times, categories, channels, employment, directory, complaintCategories, callCategories] = await Promise.all([
    api(`/api/indicators?asOf=${asOf}`), api(`/api/indicators/complaints/processing?groupBy=month&asOf=${asOf}`), api(`/api/indicators/complaints/processing?groupBy=administration&asOf=${asOf}`),
    api(`/api/indicators/complaints/response-times?groupBy=category&asOf=${asOf}`), api(`/api/indicators/call-center?groupBy=category&asOf=${asOf}`),
    api(`/api/indicators/call-center?groupBy=channel&asOf=${asOf}`), api(`/api/indicators/employment?asOf=${asOf}`), api('/api/administrations'), api('/api/categories'), api('/api/call-center/categories'),
  ]);
  const names = new Map(directory.map((a) => [a.id, { ar: a.nameAr, fr: a.nameFr }]));
  const kindOf = new Map(directory.map((a) => [a.id, a.kind]));
  const flatten = (nodes) => nodes.flatMap((n) => [n, ...flatten(n.children ?? [])]);
  const categoryNames = new Map([...flatten(complaintCategories), ...flatten(callCategories)].map((c) => [c.code, c.label]));
  const byKind = new Map();
  for (const r of administrations.rows) {
    const kind = kindOf.get(r.group) ?? 'unknown';
    const sum = byKind.get(kind) ?? { group: kind, received: 0, processed: 0 };
    sum.received += r.received;
    sum.processed += r.processed;
    byKind.set(kind, sum);
  }
  const kinds = [...byKind.values()].map((k) => ({ ...k, processingRate: k.received === 0 ? 0 : Math.round((10000 * k.processed) / k.received) / 100 }));
  // Every answer says how fresh it is: the figures are final only when no event waits for any of them.
  const all = [report, monthly, administrations, times, categories, channels, employment].map((a) => a.freshness);
  const freshness = { final: all.every((f) => f.final), position: Math.min(...all.map((f) => Number(f.position))),
    lagEvents: Math.max(...all.map((f) => f.lagEvents)), lagSeconds: Math.round(Math.max(...all.map((f) => f.lagSeconds))) };
  return { report, monthly, administrations, kinds, times, categories, channels, employment, names, categoryNames, freshness };
}

/** Each block's rows: what its chart draws and what its CSV holds (the CSV always has both languages' labels). */
function tables(d) {
  const named = (map, key) => map.get(key) ?? { ar: t(key), fr: TEXT.fr[key] ?? key };
  const sorted = d.administrations.rows.slice().sort((a, b) => b.processingRate - a.processingRate);
  return {
    report: d.report.sections.flatMap((s) => s.figures.map((f) => ({ label: f.label, section: s.label, values: { value: f.value, sharePercent: f.sharePercent ?? '' } }))),
    monthly: d.monthly.rows.slice().sort((a, b) => a.group.localeCompare(b.group)).map((r) => ({ label: { ar: r.group, fr: r.group }, values: { received: r.received, processed: r.processed } })),
    administrations: sorted.map((r) => ({ label: named(d.names, r.group), values: { processingRate: r.processingRate, withinDeadline: r.answeredWithinDeadlinePercent ?? 0 } })),
    kinds: d.kinds.slice().sort((a, b) => b.processingRate - a.processingRate).map((r) => ({ label: { ar: TEXT.ar[r.group] ?? r.group, fr: TEXT.fr[r.group] ?? r.group }, values: { processingRate: r.processingRate } })),
    responseTimes: d.times.rows.map((r) => ({ label: named(d.categoryNames, r.group), values: { median: r.answerMedianDays ?? 0, p90: r.answerP90Days ?? 0 } })),
    callCenterCategories: d.categories.rows.map((r) => ({ label: named(d.categoryNames, r.group), values: { questions: r.questions } })),
    callCenterChannels: d.channels.rows.map((r) => ({ label: { ar: TEXT.ar[r.group] ?? r.group, fr: TEXT.fr[r.group] ?? r.group }, values: { questions: r.questions } })),
    funnel: d.employment.funnel.map((f) => ({ label: { ar: f.title, fr: f.title }, values: { applied: f.applied, preselected: f.preselected, convokedWritten: f.convokedToWrittenExam, convokedOral: f.convokedToOralExam, admitted: f.admitted } })),
  };
}

const COLOURS = ['#0b6e4f', '#c2571a', '#2f5d9b', '#8a3b8f', '#b3a100'];
const TYPES = { monthly: 'line', administrations: 'bar', kinds: 'bar', responseTimes: 'bar', callCenterCategories: 'bar', callCenterChannels: 'doughnut', funnel: 'bar' };

function draw(name, rows) {
  state.charts.get(name)?.destroy();
  const canvas = document.querySelector(`canvas[data-chart="${name}"]`);
  const keys = rows.length ? Object.keys(rows[0].values) : [];
  const horizontal = name === 'administrations' || name === 'responseTimes' || name === 'funnel';
  // A horizontal bar chart grows with its rows, so that 116 administrations stay readable.
  canvas.parentElement.style.height = horizontal ? `${Math.max(16, rows.length * 1.4 * Math.max(1, keys.length * 0.6) + 5)}rem` : '';
  const chart = new window.Chart(canvas, {
    type: TYPES[name],
    data: {
      labels: rows.map((r) => label(r.label)),
      datasets: keys.map((key, i) => ({ label: t(key), data: rows.map((r) => r.values[key]), backgroundColor: TYPES[name] === 'doughnut' ? COLOURS : COLOURS[i], borderColor: COLOURS[i] })),
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, indexAxis: horizontal ? 'y' : 'x', locale: state.lang === 'ar' ? 'ar-MA' : 'fr-MA',
      plugins: { legend: { rtl: state.lang === 'ar' } },
      // Right to left in Arabic: the x axis runs from the right, the y axis stands on the right.
      scales: TYPES[name] === 'doughnut' ? {} : { x: { reverse: state.lang === 'ar' }, y: { position: state.lang === 'ar' ? 'right' : 'left' } },
    },
  });
  state.charts.set(name, chart);
}

function render() {
  document.documentElement.lang = state.lang;
  document.documentElement.dir = state.lang === 'ar' ? 'rtl' : 'ltr';
  document.title = t('title');
  document.querySelectorAll('[data-text]').forEach((e) => { e.textContent = t(e.dataset.text); });
  document.querySelectorAll('[data-placeholder]').forEach((e) => { e.placeholder = t(e.dataset.placeholder); });
  if (!state.data) return;
  const fresh = state.data.freshness;
  $('#freshness').textContent = t(fresh.final ? 'final' : 'provisional')(fresh);
  $('#freshness').dataset.final = String(fresh.final);
  const rows = tables(state.data);
  $('#report').replaceChildren(...state.data.report.sections.map((s) => {
    const section = Object.assign(document.createElement('div'), { className: 'section' });
    section.append(Object.assign(document.createElement('h3'), { textContent: label(s.label) }));
    for (const f of s.figures) {
      const line = Object.assign(document.createElement('div'), { className: 'figure' });
      line.dataset.key = `${s.key}.${f.key}`;
      line.dataset.value = String(f.value);
      const text = f.unit === 'percent' ? `${number(f.value, 2, 2)} %` : number(f.value) + (f.sharePercent != null ? ` (${number(f.sharePercent, 2, 2)} %)` : '');
      line.append(Object.assign(document.createElement('span'), { textContent: label(f.label) }), Object.assign(document.createElement('span'), { className: 'value', textContent: text }));
      section.append(line);
    }
    return section;
  }));
  const filter = $('#administration-filter').value.trim().toLowerCase();
  for (const [name, list] of Object.entries(rows)) {
    if (name === 'report') continue;
    draw(name, name === 'administrations' && filter ? list.filter((r) => `${r.label.fr} ${r.label.ar}`.toLowerCase().includes(filter)) : list);
  }
}

function download(name) {
  const rows = tables(state.data)[name];
  const keys = rows.length ? Object.keys(rows[0].values) : [];
  const quote = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  const lines = [['label_fr', 'label_ar', ...keys].join(','), ...rows.map((r) => [r.label.fr, r.label.ar, ...keys.map((k) => r.values[k])].map(quote).join(','))];
  const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(new Blob(['\ufeff' + lines.join('\n') + '\n'], { type: 'text/csv' })), download: `idarati-${name}-${$('#as-of').value}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
}

async function show() {
  clearTimeout(state.refresh);
  try {
    state.data = await load($('#as-of').value || today());
  } catch (error) {
    state.data = null;
    signOut(error.status === 403 ? t('refused') : t('invalid'));
    return;
  }
  $('#sign-in').hidden = true;
  $('#dashboard').hidden = false;
  $('#sign-out').hidden = false;
  $('#print').hidden = false;
  $('#freshness').hidden = false;
  render();
  document.body.dataset.ready = 'true';
  // Provisional figures are read again until they are final.
  if (!state.data.freshness.final) state.refresh = setTimeout(show, 3000);
}

function signOut(message = '') {
  clearTimeout(state.refresh);
  sessionStorage.removeItem('idarati.token');
  state.token = null;
  $('#dashboard').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-out').hidden = true;
  $('#print').hidden = true;
  $('#freshness').hidden = true;
  $('#sign-in-error').textContent = message;
  delete document.body.dataset.ready;
}

async function signIn(token) {
  state.token = token.trim();
  sessionStorage.setItem('idarati.token', state.token);
  await show();
}

$('#as-of').value = today();
$('#as-of').addEventListener('change', show);
$('#token-form').addEventListener('submit', (e) => { e.preventDefault(); signIn($('#token').value); });
$('#language').addEventListener('click', () => { state.lang = state.lang === 'fr' ? 'ar' : 'fr'; sessionStorage.setItem('idarati.lang', state.lang); render(); });
$('#sign-out').addEventListener('click', () => signOut());
$('#print').addEventListener('click', () => window.print());
$('#administration-filter').addEventListener('input', render);
document.querySelectorAll('[data-csv]').forEach((b) => b.addEventListener('click', () => download(b.dataset.csv)));
document.querySelectorAll('#dev-tokens [data-role]').forEach((b) => b.addEventListener('click', async () => {
  const { token } = await api('/api/dev/tokens', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role: b.dataset.role }) });
  await signIn(token);
}));
// The role picker exists only where the service issues development tokens (GET answers their roles there, 404 elsewhere).
fetch('/api/dev/tokens').then((r) => { $('#dev-tokens').hidden = !r.ok; });
render();
if (state.token) show();
