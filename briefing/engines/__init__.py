"""Engines: where the per-article work runs (reading and splitting; vectors and summaries). `base.Engine` is the
contract, `local.LocalEngine` this process, `ray.RayEngine` a Ray cluster."""
