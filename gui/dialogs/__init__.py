"""Dialogs: trusting a model file, signing off an audit run."""
