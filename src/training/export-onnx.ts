import type { MlpWeights } from './mlp.js';
import { onnxModelType, TENSOR_FLOAT } from './onnx-proto.js';

export const INPUT_NAME = 'features';
export const FIX_OUTPUT = 'fix_type_probs';
export const TAG_OUTPUT = 'tag_probs';

const IR_VERSION = 8;
const OPSET = 13;

function tensor(name: string, dims: number[], data: Float64Array) {
  const f32 = Float32Array.from(data);
  return { name, dims, data_type: TENSOR_FLOAT, raw_data: new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength) };
}

function valueInfo(name: string, dims: (number | string)[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: TENSOR_FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

const node = (op_type: string, input: string[], output: string[], attribute: object[] = []) => ({
  op_type,
  input,
  output,
  name: output[0],
  attribute,
});

/**
 * The trained student as an ONNX graph, computing exactly `forward` (in float32):
 * features → standardise → MatMul+Add → Relu → { Softmax head, Sigmoid head }.
 */
export function exportOnnx(m: MlpWeights, metadata: Record<string, string> = {}): Buffer {
  const invStd = m.std.map((s) => 1 / s);
  const graph = {
    name: 'fixsense_student',
    input: [valueInfo(INPUT_NAME, ['batch', m.inputs])],
    output: [valueInfo(FIX_OUTPUT, ['batch', m.fixTypes]), valueInfo(TAG_OUTPUT, ['batch', m.tags])],
    initializer: [
      tensor('mean', [m.inputs], m.mean),
      tensor('inv_std', [m.inputs], invStd),
      tensor('w1', [m.inputs, m.hidden], m.w1),
      tensor('b1', [m.hidden], m.b1),
      tensor('wf', [m.hidden, m.fixTypes], m.wf),
      tensor('bf', [m.fixTypes], m.bf),
      tensor('wt', [m.hidden, m.tags], m.wt),
      tensor('bt', [m.tags], m.bt),
    ],
    node: [
      node('Sub', [INPUT_NAME, 'mean'], ['centred']),
      node('Mul', ['centred', 'inv_std'], ['z']),
      node('MatMul', ['z', 'w1'], ['zw1']),
      node('Add', ['zw1', 'b1'], ['pre']),
      node('Relu', ['pre'], ['trunk']),
      node('MatMul', ['trunk', 'wf'], ['fix_mm']),
      node('Add', ['fix_mm', 'bf'], ['fix_logits']),
      node('Softmax', ['fix_logits'], [FIX_OUTPUT], [{ name: 'axis', type: 2, i: -1 }]),
      node('MatMul', ['trunk', 'wt'], ['tag_mm']),
      node('Add', ['tag_mm', 'bt'], ['tag_logits']),
      node('Sigmoid', ['tag_logits'], [TAG_OUTPUT]),
    ],
  };
  const T = onnxModelType();
  const model = T.fromObject({
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: 'fixsense',
    producer_version: '1',
    graph,
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return Buffer.from(T.encode(model).finish());
}

/** The weights stored in an exported model (float32 values), for checks and inspection. */
export function readOnnxWeights(buf: Buffer): MlpWeights {
  const T = onnxModelType();
  const model = T.toObject(T.decode(buf), { longs: Number, bytes: Buffer }) as {
    graph: { initializer: { name: string; dims: number[]; raw_data: Buffer }[] };
  };
  const get = (name: string) => {
    const t = model.graph.initializer.find((x) => x.name === name);
    if (!t) throw new Error(`model has no tensor ${name}`);
    const raw = Buffer.from(t.raw_data);
    const f32 = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    return { dims: t.dims.map(Number), data: Float64Array.from(f32) };
  };
  const w1 = get('w1');
  const wf = get('wf');
  const wt = get('wt');
  return {
    inputs: w1.dims[0]!,
    hidden: w1.dims[1]!,
    fixTypes: wf.dims[1]!,
    tags: wt.dims[1]!,
    mean: get('mean').data,
    std: get('inv_std').data.map((x) => 1 / x),
    w1: w1.data,
    b1: get('b1').data,
    wf: wf.data,
    bf: get('bf').data,
    wt: wt.data,
    bt: get('bt').data,
  };
}
