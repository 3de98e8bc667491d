"""The local rehearsal: the three-account pipeline on an embedded AWS (moto), with real training and scoring.

Modules: `emulator` (start/stop the embedded AWS, sessions per account), `compat` (the patches that close the
emulator's gaps, each documented), `trainer` (SageMaker-style XGBoost training and inference, local).
"""
