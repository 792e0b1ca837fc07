import './style.css';
import { PLAN_PRESETS, PRESETS, analyzeModel, generate, planLabel, resolvePlan, scoreTokenSequence, type PlanPreset } from '@deconattn/hybrid';
import { chooseBackend } from './backend.js';
import { mixerChoices } from './mixers.js';
import { createStack, TrainingRun, disposeEntry, tensorsInUse, type ModelEntry, type TrainSpec } from './models.js';
import { LossChart } from './chart.js';
import { drawHeatmap } from './heatmap.js';
import { checkpointZip, fromDrop, fromFileList, loadPickedCheckpoint } from './checkpoint-io.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? (Math.abs(x) >= 1e4 ? x.toExponential(2) : x.toFixed(digits)) : String(x));

const entries: ModelEntry[] = [];
let training: TrainingRun | undefined;
const chart = new LossChart($('chart'));

/** One line in the status bar: what went wrong and what to do, or what just happened. */
function status(message: string, ok = false): void {
  const el = $('status');
  el.textContent = message;
  el.className = ok ? 'ok' : '';
}

/** Runs a UI action; its error becomes the status line (the page stays usable). */
function guard<A extends unknown[]>(fn: (...a: A) => Promise<void>): (...a: A) => void {
  return (...a) =>
    void fn(...a)
      .catch((e) => status((e as Error).message ?? String(e)))
      .finally(() => ($('tensors').textContent = String(tensorsInUse())));
}

function selected(): ModelEntry {
  const id = Number($<HTMLSelectElement>('model-select').value);
  const e = entries.find((x) => x.id === id);
  if (!e) throw new Error('No model yet: train a stack or load a checkpoint first.');
  return e;
}

function addEntry(e: ModelEntry): void {
  entries.push(e);
  const opt = new Option(e.label, String(e.id));
  $<HTMLSelectElement>('model-select').append(opt);
  $<HTMLSelectElement>('model-select').value = String(e.id);
}

// ---- 1 · the stack -------------------------------------------------------------------------

const mixers = mixerChoices();

function fillSelect(sel: HTMLSelectElement, items: { value: string; label: string }[], value?: string): void {
  sel.replaceChildren(...items.map((i) => new Option(i.label, i.value)));
  if (value !== undefined) sel.value = value;
}

function layerSelects(): HTMLSelectElement[] {
  return [...$('layers').querySelectorAll('select')];
}

function renderLayers(layers: string[]): void {
  $('layers').replaceChildren(
    ...layers.map((id, i) => {
      const li = document.createElement('label');
      const sel = document.createElement('select');
      sel.id = `layer-${i + 1}`;
      sel.setAttribute('aria-label', `mixer of layer ${i + 1}`);
      fillSelect(sel, mixers.map((m) => ({ value: m.id, label: `${m.id} (${m.packageName})` })), id);
      li.append(`layer ${i + 1} `, sel);
      return li;
    }),
  );
}

function applyPreset(): void {
  const preset = PRESETS[$<HTMLSelectElement>('preset').value]!;
  const n = preset.model.numLayers;
  const old = layerSelects().map((s) => s.value);
  renderLayers(Array.from({ length: n }, (_, i) => old[i] ?? (i % 2 ? 'mlp' : 'standard')));
  $<HTMLInputElement>('batch').value = String(preset.train.batchSize);
  $<HTMLInputElement>('seq-len').value = String(preset.train.seqLen);
  $<HTMLInputElement>('lr').value = String(preset.train.lr);
}

function applyPlan(): void {
  const preset = PRESETS[$<HTMLSelectElement>('preset').value]!;
  const plan = { preset: $<HTMLSelectElement>('plan-preset').value as PlanPreset, mixer: $<HTMLSelectElement>('plan-mixer').value };
  renderLayers(resolvePlan(plan, preset.model.numLayers));
  status(`Layers filled from the plan ${planLabel(plan)}.`, true);
}

fillSelect($('preset'), ['tiny', 'small'].map((p) => ({ value: p, label: `${p}: ${PRESETS[p]!.description}` })), 'tiny');
fillSelect($('plan-preset'), PLAN_PRESETS.map((p) => ({ value: p, label: p })), 'hybrid');
fillSelect($('plan-mixer'), mixers.filter((m) => m.role !== 'baseline').map((m) => ({ value: m.id, label: m.id })), 'mlp');
renderLayers(resolvePlan({ preset: 'hybrid', mixer: 'mlp' }, PRESETS.tiny!.model.numLayers));
applyPreset();
$('preset').addEventListener('change', applyPreset);
$('apply-plan').addEventListener('click', applyPlan);

// ---- 2 · training --------------------------------------------------------------------------

function spec(): TrainSpec {
  const num = (id: string) => Number($<HTMLInputElement>(id).value);
  const s: TrainSpec = { preset: $<HTMLSelectElement>('preset').value as 'tiny' | 'small', layers: layerSelects().map((x) => x.value), steps: num('steps'), batchSize: num('batch'), seqLen: num('seq-len'), lr: num('lr'), seed: num('seed') };
  for (const k of ['steps', 'batchSize', 'seqLen', 'seed'] as const) if (!Number.isInteger(s[k]) || s[k] < (k === 'seed' ? 0 : 1)) throw new Error(`${k} must be a whole number${k === 'seed' ? ' ≥ 0' : ' ≥ 1'}, got '${s[k]}'.`);
  if (!(s.lr > 0)) throw new Error(`The learning rate must be a positive number, got '${$<HTMLInputElement>('lr').value}'.`);
  if (s.seqLen > PRESETS[s.preset]!.model.maxPositions) throw new Error(`Length ${s.seqLen} exceeds the ${s.preset} model's ${PRESETS[s.preset]!.model.maxPositions} positions.`);
  return s;
}

function redrawChart(): void {
  chart.update(entries.filter((e) => e.losses.length).map((e) => ({ label: e.label, points: e.losses })));
}

$('train').addEventListener(
  'click',
  guard(async () => {
    if (training) throw new Error('A stack is training: stop it or wait for it, then train the next one (both curves stay on the chart).');
    const s = spec();
    status(`Building ${s.layers.join(', ')}…`, true);
    const entry = await createStack(s);
    addEntry(entry);
    const row = document.createElement('tr');
    row.dataset.id = String(entry.id);
    row.innerHTML = `<td></td><td class="step">0</td><td class="loss">–</td><td class="tps">–</td><td class="state">training</td>`;
    row.cells[0]!.textContent = entry.label;
    $('runs').querySelector('tbody')!.append(row);
    training = new TrainingRun(entry, s);
    $<HTMLButtonElement>('stop').disabled = false;
    status(`Training ${entry.label} on ${$('backend').textContent}…`, true);
    try {
      await training.run((p) => {
        row.querySelector('.step')!.textContent = `${p.step} / ${s.steps}`;
        row.querySelector('.loss')!.textContent = fmt(p.loss);
        if (!p.done) row.querySelector('.tps')!.textContent = Math.round(p.tokensPerSec).toLocaleString('en');
        row.dataset.losses = JSON.stringify(entry.losses.map(([, l]) => l));
        $('tensors').textContent = String(tensorsInUse());
        redrawChart();
      });
      const stopped = entry.losses.length < s.steps;
      row.querySelector('.state')!.textContent = stopped ? 'stopped' : 'done';
      status(`${entry.label}: ${stopped ? 'stopped' : 'trained'} at step ${entry.losses.length}, loss ${fmt(entry.losses.at(-1)?.[1] ?? NaN)}.`, true);
    } catch (e) {
      row.querySelector('.state')!.textContent = 'failed';
      throw e;
    } finally {
      training = undefined;
      $<HTMLButtonElement>('stop').disabled = true;
    }
  }),
);

$('stop').addEventListener('click', () => training?.stop());

// ---- 3 · using a model ---------------------------------------------------------------------

$('generate').addEventListener(
  'click',
  guard(async () => {
    const e = selected();
    const promptText = $<HTMLInputElement>('prompt').value;
    const prompt = promptText === '' ? [e.tokenizer.bosId] : e.tokenizer.encode(promptText);
    const out = $('generated');
    out.textContent = promptText;
    const ids: number[] = [];
    await generate(e.model, prompt, {
      maxNewTokens: Number($<HTMLInputElement>('max-tokens').value),
      temperature: Number($<HTMLInputElement>('temperature').value),
      topK: Number($<HTMLInputElement>('top-k').value),
      seed: 0,
      stopToken: e.tokenizer.eosId,
      onToken: (id) => {
        if (id === e.tokenizer.eosId) return;
        ids.push(id);
        out.textContent = promptText + e.tokenizer.decode(ids);
      },
    });
    status(`Generated ${ids.length} tokens with ${e.label}.`, true);
  }),
);

$('analyze').addEventListener(
  'click',
  guard(async () => {
    const e = selected();
    const ids = e.tokenizer.encode($<HTMLTextAreaElement>('inspect-text').value);
    if (ids.length < 4) throw new Error(`The text has ${ids.length} token(s); type at least 4.`);
    const s = await scoreTokenSequence(e.model, ids);
    const score = $('score');
    score.textContent = `${s.tokens} tokens · mean NLL ${s.meanNll.toFixed(4)} nats · perplexity ${fmt(s.perplexity, 2)}`;
    score.dataset.meanNll = String(s.meanNll);
    score.dataset.sumNll = String(s.sumNll);
    const L = Math.min(ids.length, e.model.config.maxPositions);
    const a = await analyzeModel(e.model, [ids.slice(0, L)]);
    $('indicators').querySelector('tbody')!.replaceChildren(
      ...a.layers.map((l) => {
        const tr = document.createElement('tr');
        const ind = l.indicators;
        const lg = l.logits;
        const cells = [
          String(l.layer),
          l.mixer + (l.skipped ? ' (skipped)' : ''),
          ind ? fmt(ind.entropy) : '–',
          ind ? fmt(ind.concentration) : '–',
          ind ? fmt(ind.headDiversity) : '–',
          ind ? fmt(ind.sink) : '–',
          ind ? ind.localFocus.map((x) => fmt(x, 2)).join(' ') : '–',
          lg ? `${fmt(lg.min, 2)} … ${fmt(lg.max, 2)}` : '–',
          lg ? fmt(lg.absMax, 2) : '–',
          lg ? `${fmt(lg.quantiles.p01, 2)} … ${fmt(lg.quantiles.p99, 2)}` : '–',
        ];
        for (const c of cells) tr.insertCell().textContent = c;
        return tr;
      }),
    );
    const maps = $('heatmaps');
    const note = document.createElement('p');
    note.textContent = `Attention maps of the first ${L} tokens: row = query, column = key; each row scaled to its largest weight (dark blue 0 → yellow), grey above the diagonal (masked).`;
    maps.replaceChildren(note);
    a.sampleMaps.forEach((heads, layer) => {
      const div = document.createElement('div');
      div.className = 'layer-maps';
      const h = document.createElement('h4');
      h.textContent = `Layer ${layer + 1}: ${a.layers[layer]!.mixer}${heads ? '' : ' — no attention map'}`;
      div.append(h);
      const row = document.createElement('div');
      row.className = 'heads';
      (heads ?? []).forEach((m, head) => {
        const fig = document.createElement('figure');
        const canvas = document.createElement('canvas');
        canvas.className = 'heatmap';
        canvas.dataset.layer = String(layer + 1);
        canvas.dataset.head = String(head + 1);
        drawHeatmap(canvas, m, L);
        const cap = document.createElement('figcaption');
        cap.textContent = `head ${head + 1}`;
        fig.append(canvas, cap);
        row.append(fig);
      });
      div.append(row);
      maps.append(div);
    });
    status(`Scored and analysed ${ids.length} tokens with ${e.label} (maps of the first ${L}).`, true);
  }),
);

const loadCheckpoint = guard(async (picked: Awaited<ReturnType<typeof fromDrop>>) => {
  status(`Reading ${picked.length} file(s)…`, true);
  const entry = await loadPickedCheckpoint(picked);
  addEntry(entry);
  status(`Loaded ${entry.label}: ${entry.model.parameterCount().toLocaleString('en')} parameters, ${entry.tokenizerConfig.kind} tokenizer.`, true);
});

$<HTMLInputElement>('ckpt-dir').addEventListener('change', (ev) => {
  const input = ev.target as HTMLInputElement;
  if (input.files?.length) loadCheckpoint(fromFileList(input.files));
  input.value = '';
});
const drop = $('drop');
drop.addEventListener('dragover', (ev) => {
  ev.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (ev) => {
  ev.preventDefault();
  drop.classList.remove('over');
  const items = ev.dataTransfer?.items;
  if (items) guard(async () => loadCheckpoint(await fromDrop(items)))();
});

$('download').addEventListener(
  'click',
  guard(async () => {
    const e = selected();
    const name = `deconattn-${e.id}-${e.model.layerMixers.join('-')}`;
    const zip = await checkpointZip(e, name);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([zip as BlobPart], { type: 'application/zip' }));
    a.download = `${name}.zip`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    status(`Saved ${name}.zip: unzip it and run \`deconattn score --model ${name} --text-file …\`.`, true);
  }),
);

window.addEventListener('beforeunload', () => entries.forEach(disposeEntry));

// ---- the backend ---------------------------------------------------------------------------

const buttons = ['train', 'generate', 'analyze', 'download'].map((id) => $<HTMLButtonElement>(id));
buttons.forEach((b) => (b.disabled = true));
guard(async () => {
  const { info, note } = await chooseBackend(new URLSearchParams(location.search).get('backend'));
  $('backend').textContent = info.name;
  $('backend-note').textContent = `(${note})`;
  document.body.dataset.backend = info.name;
  buttons.forEach((b) => (b.disabled = false));
  document.body.dataset.ready = 'true';
})();
