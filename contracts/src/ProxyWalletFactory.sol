// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./IERC1155Receiver.sol";
import "./WalletSignatures.sol";

/// One call of a proxy batch, as Polymarket's ProxyWalletFactory encodes it
/// (typeCode 1 = CALL; the real factory's 2 = DELEGATECALL is not supported here).
struct ProxyCall {
    uint8 typeCode;
    address to;
    uint256 value;
    bytes data;
}

/// A Polymarket proxy wallet: holds the owner's positions and calls only for its factory.
contract ProxyWallet is ERC1155Holder, WalletSignatures {
    address public immutable factory;
    address public immutable owner;

    constructor(address owner_) {
        factory = msg.sender;
        owner = owner_;
    }

    receive() external payable {}

    function execute(ProxyCall[] calldata calls) external payable returns (bytes[] memory returnValues) {
        require(msg.sender == factory, "ProxyWallet: only the factory");
        returnValues = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            require(calls[i].typeCode == 1, "ProxyWallet: only CALL");
            (bool ok, bytes memory returndata) = calls[i].to.call{value: calls[i].value}(calls[i].data);
            if (!ok) _bubble(returndata, "ProxyWallet: call failed");
            returnValues[i] = returndata;
        }
    }
}

/// Finds or creates the owner's ProxyWallet (CREATE2, salt keccak256(abi.encodePacked(owner)))
/// and has it run a batch. Only the relay hub may call `proxy`; the hub appends the owner's
/// address, already checked against the owner's signature, to the calldata.
contract ProxyWalletFactory {
    event ProxyCreated(address owner, address proxy);

    address public immutable hub;

    constructor(address hub_) {
        hub = hub_;
    }

    function proxy(ProxyCall[] calldata calls) external payable returns (bytes[] memory returnValues) {
        require(msg.sender == hub, "ProxyWalletFactory: only the relay hub");
        address owner = _appendedSender();
        returnValues = ProxyWallet(payable(createProxy(owner))).execute{value: msg.value}(calls);
    }

    function createProxy(address owner) public returns (address wallet) {
        wallet = proxyFor(owner);
        if (wallet.code.length > 0) return wallet;
        ProxyWallet created = new ProxyWallet{salt: _salt(owner)}(owner);
        require(address(created) == wallet, "ProxyWalletFactory: address mismatch");
        emit ProxyCreated(owner, wallet);
    }

    function proxyFor(address owner) public view returns (address) {
        bytes32 initCode = keccak256(abi.encodePacked(type(ProxyWallet).creationCode, abi.encode(owner)));
        bytes32 hash = keccak256(abi.encodePacked(bytes1(0xff), address(this), _salt(owner), initCode));
        return address(uint160(uint256(hash)));
    }

    function _salt(address owner) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(owner));
    }

    function _appendedSender() private pure returns (address sender) {
        require(msg.data.length >= 24, "ProxyWalletFactory: no appended sender");
        assembly {
            sender := shr(96, calldataload(sub(calldatasize(), 20)))
        }
    }
}
