"""Production deployer: a CodePipeline Lambda action that deploys a trained model to a SageMaker endpoint.

Entry point: ``prod_deployer.handler.lambda_handler``. See lambda/README.md for the event, user-parameter and
environment-variable contract.
"""

__all__ = ["__version__"]
__version__ = "1.0.0"
