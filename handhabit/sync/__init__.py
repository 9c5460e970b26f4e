"""Sync through a folder the person already syncs (Syncthing, Nextcloud, Dropbox): one history on every
machine, with no server. Each device appends its changes to journals of its own in the folder and merges
the others' journals into its local database; `journal` is the files' format, `merge` what merging means,
`folder` the files on disk.
"""
