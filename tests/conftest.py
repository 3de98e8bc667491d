import sys
from pathlib import Path

# tests/ holds the shared harness modules (tfplan, inventory); make them importable from every test folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))
