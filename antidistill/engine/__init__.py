"""The speed machinery: each module computes what a readable reference elsewhere in the package computes, faster.

| engine module | what it speeds up | its reference |
|---|---|---|
| ``curvature`` | L4's v^T H v (or v^T G v), forward-mode | ``losses.hutchinson_trace`` (Pearlmutter's double backward), ``losses.gauss_newton_trace`` |
| ``split_layer`` | every eps from one first-layer product | ``attacks.fgsm`` and the model on shifted weights |
| ``weight_noise`` | the weight-noise metric for a stack | ``attacks.noisy_accuracy`` |
| ``draws`` | a stack's random draws, in parallel, from bits | ``seeding.member_reference`` |
| ``adam`` | PyTorch's fused Adam, per stack member | ``torch.optim.Adam`` of each seed alone |
| ``steps`` | a training step replayed as a CUDA graph | the same step, eager |

``tests/test_engine_*.py`` prove each equal to its reference, exactly where the arithmetic is
the same and otherwise within a tolerance each test derives and states; ``python -m antidistill
bench`` measures what each one gains.
"""
