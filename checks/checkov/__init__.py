"""Project checkov policies (CKV_MLOPS_*): `checkov --external-checks-dir checks/checkov`."""
