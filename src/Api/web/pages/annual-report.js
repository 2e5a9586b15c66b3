// A department's annual report as a printable A4 page, in French or Arabic: the dashboard's styles, Chart.js from the
// service (/lib), the figures of GET /api/indicators/annual-report. The service's PDF embeds the same data in the page
// (#data) and prints it with Chromium, so the page draws without a request; in a browser it reads the API with the
// dashboard's token (sessionStorage), and nothing comes from outside the service.
const TEXT = {
  fr: {
    title: (r, name) => `Rapport annuel ${r.year} — ${name}`, otherLanguage: 'العربية', print: 'Imprimer', pdf: 'PDF',
    signedOut: 'Connectez-vous sur le tableau de bord (analyste, superviseur ou administrateur), puis rouvrez cette page.',
    position: (r) => `Calculé à la position ${number(r.position)} du journal des événements${r.freshness.final ? '' : ' (chiffres provisoires)'} ; du ${day(next(r.after))} au ${day(r.asOf)}.`,
    summary: 'Synthèse', indicator: 'Indicateur', byKind: 'Reçues et traitées par nature', monthly: 'Série mensuelle', topCategories: 'Catégories les plus fréquentes', rejections: 'Irrecevabilités par motif légal',
    received: 'Reçues', processed: 'Traitées', processingRate: 'Taux de traitement (%)', answered: 'Répondues', withinDeadline: 'Réponses dans le délai (%)',
    wentOverdue: 'Hors délai', reopened: 'Réouvertes', median: 'Délai de réponse médian (jours)', p90: 'Délai de réponse, 90e centile (jours)',
    transfersIn: 'Transferts reçus', transfersOut: 'Transferts émis', kind: 'Nature', month: 'Mois', category: 'Catégorie', reason: 'Motif', count: 'Nombre',
    complaint: 'Réclamations', observation: 'Observations', suggestion: 'Suggestions',
    beforeCourt: 'Affaire pendante devant la justice', referredToPublicProsecutor: 'Saisine du ministère public', outsideCompetence: "Hors de la compétence de l'administration",
    insultingOrDefamatory: 'Propos injurieux ou diffamatoires', notFollowingRequiredForm: 'Forme requise non respectée', unclearOrWithoutDocuments: 'Objet imprécis ou sans pièces',
  },
  ar: {
    title: (r, name) => `التقرير السنوي ${r.year} — ${name}`, otherLanguage: 'Français', print: 'طباعة', pdf: 'PDF',
    signedOut: 'سجل الدخول في لوحة القيادة (محلل أو مشرف أو مدير)، ثم أعد فتح هذه الصفحة.',
    position: (r) => `محسوب عند الموضع ${number(r.position)} من سجل الأحداث${r.freshness.final ? '' : ' (أرقام مؤقتة)'}؛ من ${day(next(r.after))} إلى ${day(r.asOf)}.`,
    summary: 'خلاصة', indicator: 'المؤشر', byKind: 'الواردة والمعالجة حسب النوع', monthly: 'السلسلة الشهرية', topCategories: 'الفئات الأكثر ورودا', rejections: 'عدم القبول حسب السبب القانوني',
    received: 'الواردة', processed: 'المعالجة', processingRate: 'نسبة المعالجة (%)', answered: 'المجاب عنها', withinDeadline: 'الأجوبة داخل الأجل (%)',
    wentOverdue: 'خارج الأجل', reopened: 'المعاد فتحها', median: 'الأجل الوسيط للجواب (أيام)', p90: 'أجل الجواب، المئين 90 (أيام)',
    transfersIn: 'الإحالات الواردة', transfersOut: 'الإحالات الصادرة', kind: 'النوع', month: 'الشهر', category: 'الفئة', reason: 'السبب', count: 'العدد',
    complaint: 'الشكايات', observation: 'الملاحظات', suggestion: 'الاقتراحات',
    beforeCourt: 'قضية معروضة على القضاء', referredToPublicProsecutor: 'إحالة على النيابة العامة', outsideCompetence: 'خارج اختصاص الإدارة',
    insultingOrDefamatory: 'عبارات مسيئة أو تشهيرية', notFollowingRequiredForm: 'عدم احترام الشكل المطلوب', unclearOrWithoutDocuments: 'موضوع غير واضح أو دون وثائق',
  },
};

const query = new URLSearchParams(location.search);
const embedded = document.getElementById('data');
const state = { lang: query.get('lang') ?? sessionStorage.getItem('idarati.lang') ?? 'fr', data: null, chart: null };
const $ = (selector) => document.querySelector(selector);
const t = (key) => TEXT[state.lang][key] ?? key;
const number = (value, digits = 0) => new Intl.NumberFormat(state.lang === 'ar' ? 'ar-MA' : 'fr-MA', { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value ?? 0);
// The year starts the microsecond after the end of its eve; the page names that first day.
const next = (instant) => new Date(new Date(instant).getTime() + 1);
const day = (instant) => new Intl.DateTimeFormat(state.lang === 'ar' ? 'ar-MA' : 'fr-MA', { dateStyle: 'long', timeZone: 'Africa/Casablanca' }).format(new Date(instant));

async function api(path) {
  const token = sessionStorage.getItem('idarati.token');
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw Object.assign(new Error(`${path}: ${response.status}`), { status: response.status });
  return response.json();
}

/** The report and the names it needs, embedded by the service's PDF or read from the API. */
async function load() {
  if (embedded) return JSON.parse(embedded.textContent);
  const id = query.get('administrationId');
  const year = query.get('year');
  const [report, administrations, categories] = await Promise.all([
    api(`/api/indicators/annual-report?administrationId=${encodeURIComponent(id)}&year=${encodeURIComponent(year)}`), api('/api/administrations'), api('/api/categories'),
  ]);
  return { report, administrations, categories };
}

function table(id, headers, rows) {
  const head = document.createElement('tr');
  headers.forEach((h, i) => head.append(Object.assign(document.createElement('th'), { textContent: t(h), className: i ? 'value' : '' })));
  $(id).replaceChildren(head, ...rows.map(([key, name, ...values]) => {
    const line = document.createElement('tr');
    line.dataset.key = key;
    line.append(Object.assign(document.createElement('td'), { textContent: name }));
    values.forEach((v) => {
      const cell = Object.assign(document.createElement('td'), { className: 'value', textContent: typeof v === 'number' && !Number.isInteger(v) ? number(v, 2) : number(v) });
      cell.dataset.value = String(v ?? '');
      line.append(cell);
    });
    return line;
  }));
}

function render() {
  const { report: r, administrations, categories } = state.data;
  const flatten = (nodes) => nodes.flatMap((n) => [n, ...flatten(n.children ?? [])]);
  const categoryNames = new Map(flatten(categories).map((c) => [c.code, c.label]));
  const administration = administrations.find((a) => a.id === r.administrationId);
  const name = administration ? (state.lang === 'ar' ? administration.nameAr : administration.nameFr) : r.administrationId;
  document.documentElement.lang = state.lang;
  document.documentElement.dir = state.lang === 'ar' ? 'rtl' : 'ltr';
  document.title = t('title')(r, name);
  $('#title').textContent = t('title')(r, name);
  $('#position').textContent = t('position')(r);
  $('#position').dataset.position = String(r.position);
  $('#language').textContent = t('otherLanguage');
  $('#print').textContent = t('print');
  $('#pdf').textContent = t('pdf');
  $('#pdf').href = `/api/indicators/annual-report.pdf?administrationId=${encodeURIComponent(r.administrationId)}&year=${r.year}&lang=${state.lang}`;
  document.querySelectorAll('[data-text]').forEach((e) => { e.textContent = t(e.dataset.text); });
  const total = r.total;
  table('#summary', ['indicator', 'count'], [
    ['received', t('received'), total.received], ['processed', t('processed'), total.processed], ['processingRate', t('processingRate'), total.processingRate],
    ['answered', t('answered'), total.answered], ['withinDeadline', t('withinDeadline'), total.answeredWithinDeadlinePercent ?? 0],
    ['wentOverdue', t('wentOverdue'), total.wentOverdue], ['reopened', t('reopened'), total.reopened],
    ['median', t('median'), r.responseTimes.answerMedianDays ?? 0], ['p90', t('p90'), r.responseTimes.answerP90Days ?? 0],
    ['transfersIn', t('transfersIn'), r.transfersIn], ['transfersOut', t('transfersOut'), r.transfersOut],
  ]);
  table('#kinds', ['kind', 'received', 'processed', 'processingRate', 'withinDeadline'], r.byKind.map((k) => [k.group, t(k.group), k.received, k.processed, k.processingRate, k.answeredWithinDeadlinePercent ?? 0]));
  table('#months', ['month', 'received', 'processed'], r.months.map((m) => [m.group, m.group, m.received, m.processed]));
  table('#categories', ['category', 'received', 'processed', 'processingRate'], r.topCategories.map((c) => {
    const label = categoryNames.get(c.group);
    return [c.group, label ? (state.lang === 'ar' ? label.ar : label.fr) : c.group, c.received, c.processed, c.processingRate];
  }));
  table('#rejections', ['reason', 'count'], r.rejectionsByReason.map((x) => [x.key, t(x.key), x.count]));
  state.chart?.destroy();
  state.chart = new window.Chart($('canvas[data-chart="monthly"]'), {
    type: 'bar',
    data: { labels: r.months.map((m) => m.group), datasets: [{ label: t('received'), data: r.months.map((m) => m.received), backgroundColor: '#0b6e4f' }, { label: t('processed'), data: r.months.map((m) => m.processed), backgroundColor: '#c2571a' }] },
    options: { animation: false, responsive: true, maintainAspectRatio: false, locale: state.lang === 'ar' ? 'ar-MA' : 'fr-MA', plugins: { legend: { rtl: state.lang === 'ar' } }, scales: { x: { reverse: state.lang === 'ar' }, y: { position: state.lang === 'ar' ? 'right' : 'left' } } },
  });
  $('#annual-report').hidden = false;
  document.body.dataset.ready = 'true';
}

$('#language').addEventListener('click', () => {
  state.lang = state.lang === 'ar' ? 'fr' : 'ar';
  sessionStorage.setItem('idarati.lang', state.lang);
  if (state.data) render();
});
$('#print').addEventListener('click', () => window.print());

try {
  state.data = await load();
  render();
} catch {
  $('#signed-out').textContent = TEXT[state.lang].signedOut;
  $('#signed-out').hidden = false;
  document.body.dataset.ready = 'false';
}
