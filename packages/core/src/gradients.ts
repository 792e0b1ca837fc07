// Registers tfjs-core's gradient functions (tfjs-core's CJS entry registers none: "gradient
// function not found for Mean"). Bundled into dist/gradients.* by tsup; see tsup.config.ts.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
